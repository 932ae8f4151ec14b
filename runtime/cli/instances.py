"""`statewright publish`, `start`, `send`, `show`: the engine from a shell, on any `--db`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from runtime.cli import app
from runtime.core.errors import DefinitionInvalid, EngineError
from runtime.core.views import Instance
from runtime.engine import Engine

DbOption = Annotated[
    str,
    typer.Option("--db", envvar="STATEWRIGHT_DB", show_default=True,
                 help="Database URL: sqlite:///file.db or postgresql://user@host/db."),
]
DEFAULT_DB = "sqlite:///statewright.db"
ActorOption = Annotated[str, typer.Option("--actor", help="Who does this (recorded in the log).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
KeyOption = Annotated[str | None, typer.Option(
    "--idempotency-key", help="Repeating the call with this key returns the first result.")]


@contextmanager
def open_engine(db: str) -> Iterator[Engine]:
    """An engine for one command; engine errors become `error: ...` and exit code 1."""
    try:
        engine = Engine(db)
    except EngineError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    try:
        yield engine
    except DefinitionInvalid as exc:
        typer.echo(f"error: {exc.message.split(':')[0]}; publishing refused", err=True)
        for finding in exc.findings:
            typer.echo(f"  {finding.severity} {finding.code}: {finding.message}", err=True)
        raise typer.Exit(1) from None
    except EngineError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.close()


def parse_json_object(text: str | None, option: str) -> dict[str, Any]:
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        typer.echo(f"error: {option} is not valid JSON: {exc}", err=True)
        raise typer.Exit(2) from None
    if not isinstance(value, dict):
        typer.echo(f"error: {option} must be a JSON object like '{{\"amount\": 5000}}'", err=True)
        raise typer.Exit(2)
    return value


def _print_instance(instance: Instance, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(instance.to_json(), indent=2))
        return
    typer.echo(f"{instance.id}  {instance.definition} v{instance.version}  "
               f"state={instance.state}  status={instance.status}")
    typer.echo(f"variables: {json.dumps(instance.variables, sort_keys=True)}")


@app.command()
def publish(
    file: Annotated[str, typer.Argument(help="Definition file (JSON or YAML).")],
    db: DbOption = DEFAULT_DB,
    actor: ActorOption = "cli",
) -> None:
    """Publish a definition as a new immutable version (refused while errors stand)."""
    with open_engine(db) as engine:
        version = engine.publish(file, actor=actor)
        what = "already published as" if version.existed else "published as"
        typer.echo(f"{version.key}: {what} version {int(version)}")


@app.command()
def start(
    key: Annotated[str, typer.Argument(help="Definition key.")],
    variables: Annotated[str | None, typer.Option(
        "--vars", help="Start variables as a JSON object.")] = None,
    version: Annotated[int | None, typer.Option(help="Version (default: the latest).")] = None,
    business_key: Annotated[str | None, typer.Option("--business-key")] = None,
    idempotency_key: KeyOption = None,
    db: DbOption = DEFAULT_DB,
    actor: ActorOption = "cli",
    as_json: JsonOption = False,
) -> None:
    """Start an instance and print it."""
    values = parse_json_object(variables, "--vars")
    with open_engine(db) as engine:
        iid = engine.start(key, values, actor=actor, version=version,
                           idempotency_key=idempotency_key, business_key=business_key)
        _print_instance(engine.get(iid), as_json)


@app.command()
def send(
    instance_id: Annotated[str, typer.Argument(help="Instance id.")],
    event: Annotated[str, typer.Argument(help="Event name, e.g. approve.")],
    payload: Annotated[str | None, typer.Option(
        "--payload", help="Event payload as a JSON object.")] = None,
    idempotency_key: KeyOption = None,
    db: DbOption = DEFAULT_DB,
    actor: ActorOption = "cli",
    as_json: JsonOption = False,
) -> None:
    """Send an event to an instance and print the instance after it."""
    data = parse_json_object(payload, "--payload")
    with open_engine(db) as engine:
        after = engine.send(instance_id, event, data, actor=actor, idempotency_key=idempotency_key)
        _print_instance(after, as_json)


@app.command()
def show(
    instance_id: Annotated[str, typer.Argument(help="Instance id.")],
    history: Annotated[bool, typer.Option("--history", help="Also print the event log.")] = False,
    db: DbOption = DEFAULT_DB,
    as_json: JsonOption = False,
) -> None:
    """Show an instance (and its event log with --history)."""
    with open_engine(db) as engine:
        instance = engine.get(instance_id)
        events = engine.history(instance_id) if history else []
        accepted = engine.accepted_events(instance_id)
        from runtime.cli.operations import breaker_line

        breaker = breaker_line(engine, instance.definition, instance.version, instance.state)
    if as_json:
        body = {**instance.to_json(), "accepts": accepted}
        if history:
            body["history"] = [e.to_json() for e in events]
        typer.echo(json.dumps(body, indent=2))
        return
    _print_instance(instance, False)
    typer.echo(f"accepts: {', '.join(accepted) or '-'}")
    if breaker:
        typer.echo(breaker)
    for e in events:
        typer.echo(f"{e.seq:>4}  {e.at.isoformat()}  {e.actor or '-':<10} {e.type:<18} "
                   f"{json.dumps(e.data, sort_keys=True)}")
