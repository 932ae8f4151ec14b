"""`statewright simulate FILE` (a token run of a definition, nothing stored) and
`statewright whatif DRAFT --against KEY` (recorded instances replayed against a draft).

`simulate` imports neither the web stack nor the database: it is the pure step function."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from runtime.cli.app import app
from runtime.cli.common import DEFAULT_DB, DbOption, JsonOption, parse_json_object

if TYPE_CHECKING:
    from runtime.modelling.simulation import SimulatedStep, Simulation
    from shared.definition import Definition


@app.command("simulate")
def simulate(
    file: Annotated[str, typer.Argument(metavar="FILE", help="Definition file (JSON or YAML).")],
    variables: Annotated[str | None, typer.Option(
        "--vars", help='Start variables as a JSON object: \'{"amount": 5000}\'.')] = None,
    events: Annotated[str, typer.Option(
        "--events", help='What happens, in order, comma-separated; a payload follows as JSON: '
                         'done{"credit_score": 720},approve,elapsed,done')] = "",
    as_json: JsonOption = False,
) -> None:
    """Run a definition as a token, without storing anything, and print the path it takes.
    Exit 0: the events were all taken; 1: one could not happen there; 2: bad input."""
    from runtime.core.errors import EngineError, VariablesInvalid
    from runtime.modelling.simulation import Simulation, aimed

    definition = _definition(file)
    start_values = parse_json_object(variables, "--vars")
    choices = _parse_events(events)
    try:
        sim = Simulation.start(definition, start_values, datetime.now(UTC))
    except VariablesInvalid as exc:
        typer.echo(f"error: --vars: {exc.message}", err=True)
        raise typer.Exit(2) from None
    failure = None
    for event, payload in choices:
        try:
            name, state = aimed(event)
            sim.send(name, payload, state)
        except EngineError as exc:
            failure = exc.message
            break
    if as_json:
        typer.echo(json.dumps({**sim.to_json(), "error": failure}, indent=2, default=str))
    else:
        _print_run(sim)
    if failure is not None:
        typer.echo(f"error: {failure}", err=True)
        raise typer.Exit(1)


def _definition(file: str) -> Definition:
    from runtime.core.errors import DefinitionInvalid
    from runtime.definitions import checked_definition

    try:
        return checked_definition(Path(file))
    except DefinitionInvalid as exc:
        typer.echo(f"error: {file}: {exc.message}", err=True)
        raise typer.Exit(2) from None


def _parse_events(text: str) -> list[tuple[str, dict[str, Any]]]:
    """`a,b{"x": 1},c` as [(a, {}), (b, {"x": 1}), (c, {})]: commas inside braces or
    strings do not split."""
    parts, depth, quoted, current = [], 0, False, ""
    for i, char in enumerate(text):
        if char == '"' and (i == 0 or text[i - 1] != "\\"):
            quoted = not quoted
        elif not quoted and char in "{}":
            depth += 1 if char == "{" else -1
        if char == "," and depth == 0 and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    found = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        name, brace, rest = part.partition("{")
        payload = parse_json_object(brace + rest, f"--events payload of {name.strip()!r}") \
            if brace else {}
        found.append((name.strip(), payload))
    return found


def _print_run(sim: Simulation) -> None:
    for done in sim.steps:
        typer.echo(_step_line(done))
        for guard in done.guards:
            if guard.when is None and not guard.default:
                continue
            read = ", ".join(f"{k}={json.dumps(v, default=str)}" for k, v in guard.values.items())
            value = guard.error or json.dumps(guard.value)
            test = "default" if guard.default else f"`{guard.when}` = {value}"
            mark = "  <- taken" if guard.taken else ""
            typer.echo(f"    guard {guard.source} -> {guard.target}: {test}"
                       f"{f'  ({read})' if read else ''}{mark}")
    typer.echo("path: " + " -> ".join(sim.path))
    typer.echo(f"status: {sim.snapshot.status} in {sim.state}")
    typer.echo("variables: " + json.dumps(sim.snapshot.variables, default=str))
    if not sim.finished:
        offered = ", ".join(c.event for c in sim.choices()) or "nothing"
        typer.echo(f"next: {offered}")


def _step_line(done: SimulatedStep) -> str:
    what = "start" if done.event is None else done.event
    if done.payload:
        what += " " + json.dumps(done.payload, default=str)
    line = f"  {what}: " + (" -> ".join(done.entered) or "(no move)")
    return line + (f"  [incident: {done.incident}]" if done.incident else "")


@app.command("whatif")
def whatif(
    draft: Annotated[str, typer.Argument(
        metavar="DRAFT", help="The draft: a definition file, or the key of a saved draft.")],
    against: Annotated[str | None, typer.Option(
        "--against", help="Published definition whose instances are replayed "
                          "(default: the draft's key).")] = None,
    last: Annotated[int, typer.Option("--last", min=1, help="Replay the newest N.")] = 100,
    since: Annotated[str | None, typer.Option(
        "--since", help="Replay those started on or after this date (ISO 8601).")] = None,
    db: DbOption = DEFAULT_DB,
    as_json: JsonOption = False,
) -> None:
    """Replay the recorded instances of the current version against a draft: which take
    another path, which would get stuck. Exit 0: none stuck; 1: some stuck; 2: bad input."""
    from runtime.cli.common import open_engine
    from runtime.core.errors import DefinitionInvalid, NotFound
    from runtime.modelling.whatif import whatif as run_whatif

    start = _since(since)
    with open_engine(db) as engine:
        document = _draft_document(engine, draft)
        key = against or str(document.get("key") or "")
        try:
            found = run_whatif(engine, document, key, last, start)
        except (DefinitionInvalid, NotFound) as exc:
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(found, indent=2, default=str))
    else:
        _print_whatif(found)
    raise typer.Exit(1 if found["stuck"] else 0)


def _since(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        typer.echo(f"error: --since {text!r} is not an ISO 8601 date like 2025-01-31", err=True)
        raise typer.Exit(2) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _draft_document(engine: Any, draft: str) -> dict[str, Any]:
    """A file's document when `draft` names a file, else the saved draft of that key."""
    from shared.errors import DocumentError
    from shared.loading import load_document

    if Path(draft).is_file():
        try:
            return load_document(draft)
        except DocumentError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
    saved = engine.draft(draft)
    if saved is None:
        typer.echo(f"error: {draft!r} is neither a file nor the key of a saved draft", err=True)
        raise typer.Exit(2)
    return saved.document


def _print_whatif(found: dict[str, Any]) -> None:
    typer.echo(f"replayed {found['replayed']} instance(s) of {found['against']} "
               f"v{found['version']} against the draft: {found['same_path']} same path, "
               f"{found['other_path']} other path, {found['stuck']} stuck")
    rows = [r for r in found["instances"] if r["outcome"] != "same"]
    if rows:
        typer.echo(f"{'ID':<36}  {'OUTCOME':<7}  {'DIVERGED AT':<16}  REASON")
    for row in rows:
        typer.echo(f"{row['id']:<36}  {row['outcome']:<7}  {row['diverged_at'] or '-':<16}  "
                   f"{row['reason'] or ''}")
