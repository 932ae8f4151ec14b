"""Operator actions from a shell: `statewright suspend|resume|cancel|retry|move|set-vars|
migrate|rollback ID --reason ...`, and `statewright breakers`."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from runtime.cli.app import app
from runtime.cli.common import (
    DEFAULT_DB,
    ActorOption,
    DbOption,
    JsonOption,
    open_engine,
    parse_json_object,
    print_instance,
    sensitive_of,
)

IdArgument = Annotated[str, typer.Argument(help="Instance id.")]
ReasonOption = Annotated[str, typer.Option(
    "--reason", help="Why (required; recorded in the audit log with the actor).")]


def _operate(db: str, instance_id: str, operation: str, reason: str, actor: str,
             as_json: bool, **params: Any) -> None:
    from runtime.operations import perform

    with open_engine(db) as engine:
        after = perform(engine, instance_id, operation, reason, actor, **params)
        print_instance(after, as_json, sensitive_of(engine, after))


def _simple(operation: str, summary: str) -> None:
    def command(instance_id: IdArgument, reason: ReasonOption, db: DbOption = DEFAULT_DB,
                actor: ActorOption = "cli", as_json: JsonOption = False) -> None:
        _operate(db, instance_id, operation, reason, actor, as_json)

    command.__doc__ = summary
    app.command(operation)(command)


_simple("suspend", "Suspend a running instance: no events are accepted, its work is parked.")
_simple("resume", "Resume a suspended instance where it stopped.")
_simple("cancel", "Cancel an instance (and the child of a subprocess it waits on).")
_simple("retry", "Retry an instance in incident: its failed action, or its failed compensation.")
_simple("rollback", "Run the compensations of the instance's completed tasks, newest first.")


@app.command("move")
def move(instance_id: IdArgument, reason: ReasonOption,
         to: Annotated[str, typer.Option("--to", help="The state to put the instance in.")],
         db: DbOption = DEFAULT_DB, actor: ActorOption = "cli",
         as_json: JsonOption = False) -> None:
    """Move an instance to any state of its version (entering it as usual)."""
    _operate(db, instance_id, "move", reason, actor, as_json, to=to)


@app.command("set-vars")
def set_vars(instance_id: IdArgument, reason: ReasonOption,
             variables: Annotated[str, typer.Option(
                 "--vars", help="The values to set, as a JSON object.")],
             db: DbOption = DEFAULT_DB, actor: ActorOption = "cli",
             as_json: JsonOption = False) -> None:
    """Set variables of an instance (checked against their declared types)."""
    values = parse_json_object(variables, "--vars")
    _operate(db, instance_id, "set-vars", reason, actor, as_json, variables=values)


@app.command("migrate")
def migrate(instance_id: IdArgument, reason: ReasonOption,
            version: Annotated[int, typer.Option("--version", help="The target version.")],
            mapping: Annotated[list[str] | None, typer.Option(
                "--map", help="OLD=NEW: where an instance in a state that is gone goes.")] = None,
            db: DbOption = DEFAULT_DB, actor: ActorOption = "cli",
            as_json: JsonOption = False) -> None:
    """Migrate an instance to another version of its definition."""
    pairs: dict[str, str] = {}
    for item in mapping or []:
        old, sep, new = item.partition("=")
        if not sep or not old or not new:
            typer.echo(f"error: --map {item!r} must look like OLD_STATE=NEW_STATE", err=True)
            raise typer.Exit(2)
        pairs[old] = new
    _operate(db, instance_id, "migrate", reason, actor, as_json, version=version,
             mapping=pairs)


@app.command("breakers")
def breakers(db: DbOption = DEFAULT_DB, as_json: JsonOption = False) -> None:
    """Circuit breakers that have seen failures, and their state."""
    with open_engine(db) as engine:
        states = engine.breakers.states()
    if as_json:
        typer.echo(json.dumps([b.to_json() for b in states], indent=2))
        return
    for b in states:
        until = f"  half-opens at {b.open_until.isoformat()}" if b.state == "open" else ""
        typer.echo(f"{b.name:<24} {b.state:<10} failures={b.failures}{until}")
