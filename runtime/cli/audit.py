"""`statewright audit verify`: re-check every instance's hash-chained event log."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from runtime.cli.app import app
from runtime.cli.common import DEFAULT_DB, DbOption, open_engine

audit_app = typer.Typer(help="Check the audit trail.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command()
def verify(
    db: DbOption = DEFAULT_DB,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Verify hash chains; exit 1 naming the first broken instance and seq."""
    with open_engine(db) as engine:
        report = engine.verify_audit()
    typer.echo(json.dumps(report.to_json()) if as_json else report.summary())
    if not report.ok:
        raise typer.Exit(1)
