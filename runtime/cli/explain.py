"""`statewright explain ID`: why an instance is where it is (state and time there against the
usual, what it waits for, its last error and that error's class)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from runtime.cli.app import app
from runtime.cli.common import DEFAULT_DB, DbOption, JsonOption, open_engine


@app.command("explain")
def explain(instance_id: Annotated[str, typer.Argument(help="Instance id.")],
            db: DbOption = DEFAULT_DB, as_json: JsonOption = False) -> None:
    """Why is it stuck? The state and how long against its usual time, what it waits for, the
    last error and its class."""
    from runtime.core.errors import NotFound
    from runtime.operations.explain import explain as explain_instance
    from runtime.operations.explain import short

    with open_engine(db) as engine:
        try:
            found = explain_instance(engine, instance_id, engine.breakers)
        except NotFound as exc:  # a wrong id is bad input: exit 2, like the other commands
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(found.to_json(), indent=2))
        return
    inst = found.instance
    typer.echo(f"{inst.id}  {inst.definition} v{inst.version}  {inst.status} in {inst.state}")
    if found.for_s is not None:
        usual = found.usual
        typical = (f" (usually {short(usual.p50_s)}, p95 {short(usual.p95_s)}, "
                   f"{usual.visits} visits of {usual.scope})"
                   if usual and usual.p50_s is not None else "")
        typer.echo(f"in {found.state_type} state {inst.state} for {short(found.for_s)}"
                   f"{typical}: {found.verdict}")
    typer.echo("waits for:" if found.waits else "waits for: nothing")
    for wait in found.waits:
        typer.echo(f"  - [{wait.kind}] {wait.summary}")
    error = found.last_error
    if error is not None:
        where = f" in {error.action} (attempt {error.attempt})" if error.action else ""
        typer.echo(f"last error [{error.error_class}]{where} at {error.at:%Y-%m-%d %H:%M:%S}: "
                   f"{error.message}")
        typer.echo(f"  what to do: {error.to_json()['remedy']}")
