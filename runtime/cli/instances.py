"""`statewright publish`, `start`, `send`, `show`: the engine from a shell, on any `--db`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from runtime.core.events import Event
    from runtime.core.views import Instance

from runtime.cli.app import app
from runtime.cli.common import (
    DEFAULT_DB,
    ActorOption,
    DbOption,
    JsonOption,
    KeyOption,
    breaker_line,
    cli_actor,
    open_engine,
    parse_json_object,
    print_instance,
    sensitive_of,
)


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
        instance = engine.get(iid)
        print_instance(instance, as_json, sensitive_of(engine, instance))


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
        print_instance(after, as_json, sensitive_of(engine, after))


@app.command()
def show(
    instance_id: Annotated[str, typer.Argument(help="Instance id.")],
    history: Annotated[bool, typer.Option("--history", help="Also print the event log.")] = False,
    reveal: Annotated[bool, typer.Option(
        "--reveal", help="Print sensitive values in the clear (recorded as a "
        "`sensitive.read` admin act).")] = False,
    db: DbOption = DEFAULT_DB,
    as_json: JsonOption = False,
) -> None:
    """Show an instance (and its event log with --history); sensitive values are masked
    unless --reveal, which is recorded for the compliance report (docs/compliance.md)."""
    from shared.sensitivity import masked

    with open_engine(db) as engine:
        instance = engine.get(instance_id)
        sensitive = sensitive_of(engine, instance)
        events = engine.history(instance_id) if history else []
        accepted = engine.accepted_events(instance_id)
        breaker = breaker_line(engine, instance.definition, instance.version, instance.state)
    if reveal:
        shown = _sensitive_shown(sensitive, instance, events)
        if shown:
            _record_sensitive_read(db, instance_id, shown)
        sensitive = frozenset()
    if as_json:
        body = {**instance.to_json(), "variables": masked(instance.variables, sensitive),
                "accepts": accepted}
        if history:
            body["history"] = [{**e.to_json(), "data": masked(e.data, sensitive)}
                               for e in events]
        typer.echo(json.dumps(body, indent=2))
        return
    print_instance(instance, False, sensitive)
    typer.echo(f"accepts: {', '.join(accepted) or '-'}")
    if breaker:
        typer.echo(breaker)
    for e in events:
        typer.echo(f"{e.seq:>4}  {e.at.isoformat()}  {e.actor or '-':<10} {e.type:<18} "
                   f"{json.dumps(masked(e.data, sensitive), sort_keys=True)}")


def _sensitive_shown(names: frozenset[str], instance: Instance, events: list[Event]
                     ) -> list[str]:
    """The sensitive variables whose values `show --reveal` is about to print."""
    shown = {n for n in names if instance.variables.get(n) is not None}
    for event in events:
        for values in (event.data, event.data.get("values"), event.data.get("variables")):
            if isinstance(values, dict):
                shown |= {n for n in names if values.get(n) is not None}
    return sorted(shown)


def _record_sensitive_read(db: str, instance_id: str, names: list[str]) -> None:
    from runtime.security.identity import IdentityService

    service = IdentityService(db)
    try:
        service.record_admin_act(cli_actor(), "sensitive.read", instance_id,
                                 f"{', '.join(names)} via statewright show")
    finally:
        service.close()
