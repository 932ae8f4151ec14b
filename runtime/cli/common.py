"""What the commands share: the `--db`/`--json`/`--actor` options, opening an engine for one
command (errors become `error: ...` and an exit code), JSON options and printing an instance
with its sensitive values masked."""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from pathlib import Path

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


def cli_actor() -> str:
    """Who ran the command, as the admin log records it: the operating-system account."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry, e.g. an arbitrary container uid
        return "cli"


@contextmanager
def open_engine(db: str) -> Iterator[Engine]:
    """An engine for one command; engine errors become `error: ...` and exit code 1."""
    from runtime.core.errors import DefinitionInvalid, EngineError
    from runtime.engine import Engine

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


def sensitive_of(engine: Engine, instance: Instance) -> frozenset[str]:
    """The names masked when printing `instance`: as in the API, no command prints a sensitive
    value (declared, or derived by a `set`) in clear."""
    return engine.sensitive(engine.definition(instance.definition, instance.version))


def print_instance(instance: Instance, as_json: bool, sensitive: frozenset[str]) -> None:
    from shared.sensitivity import masked

    body = {**instance.to_json(), "variables": masked(instance.variables, sensitive)}
    if as_json:
        typer.echo(json.dumps(body, indent=2))
        return
    typer.echo(f"{instance.id}  {instance.definition} v{instance.version}  "
               f"state={instance.state}  status={instance.status}")
    if instance.active_states != [instance.state]:
        typer.echo(f"active states: {', '.join(instance.active_states)}")
    typer.echo(f"variables: {json.dumps(body['variables'], sort_keys=True)}")


def breaker_line(engine: Engine, definition: str, version: int, state: str | None) -> str | None:
    """For `show`: the breaker of the task the instance is in, when it is not closed."""
    spec = engine.definition(definition, version).state(state or "")
    if spec is None or spec.type != "task":
        return None
    breaker = engine.breakers.state(spec.breaker or spec.action)
    if breaker.state == "closed":
        return None
    return f"breaker: {breaker.name} is {breaker.state} (failures={breaker.failures})"


def emit_text(text: str, out: Path | None, written: str) -> None:
    """Print `text`, or write it to `out` and print `written`; an unwritable file exits 2."""
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text)
    except OSError as exc:
        typer.echo(f"error: cannot write {out}: {exc.strerror or exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(written)
