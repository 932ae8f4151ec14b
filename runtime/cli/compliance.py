"""`statewright compliance report`: the compliance report (docs/compliance.md) of a period
as JSON, CSV or PDF, to a file or (JSON, CSV) to standard output."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from runtime.cli.app import app
from runtime.cli.common import DEFAULT_DB, DbOption, open_engine

compliance_app = typer.Typer(help="Compliance reports: who did what, admin acts, sensitive "
                                  "access, segregation of duties, SLA adherence.",
                             no_args_is_help=True)
app.add_typer(compliance_app, name="compliance")


def _refuse(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


@compliance_app.command("report")
def report(
    db: DbOption = DEFAULT_DB,
    from_: Annotated[str | None, typer.Option(
        "--from", help="First day (YYYY-MM-DD) or ISO time; default: 30 days before --to.")]
    = None,
    to: Annotated[str | None, typer.Option(
        "--to", help="Last day, included (YYYY-MM-DD), or ISO time; default: now.")] = None,
    definition: Annotated[str | None, typer.Option(
        "--definition", help="Only this definition's instances (admin acts are always all).")]
    = None,
    format_: Annotated[str, typer.Option("--format", help="json, csv or pdf.")] = "json",
    out: Annotated[Path | None, typer.Option(
        "--out", help="Write here; default: standard output (not for pdf).")] = None,
) -> None:
    """Write the compliance report of a period."""
    import json

    from runtime.compliance import FORMATS, Scope, ScopeInvalid, build_report, to_csv, to_pdf
    from runtime.core.errors import NotFound

    if format_ not in FORMATS:
        raise _refuse(f"--format {format_!r} is unknown; use {', '.join(FORMATS)}")
    if format_ == "pdf" and out is None:
        raise _refuse("--format pdf needs --out FILE")
    with open_engine(db) as engine:
        try:
            scope = Scope.parse(from_, to, definition, engine.clock.now())
            with engine.store.read() as conn:
                result = build_report(conn, scope, engine.clock.now())
        except ScopeInvalid as exc:
            raise _refuse(f"--{exc.details['field']}: {exc.message}") from None
        except NotFound as exc:
            raise _refuse(f"--definition: {exc.message}") from None
    if format_ == "pdf":
        body: bytes = to_pdf(result)
    else:
        text = to_csv(result) if format_ == "csv" else json.dumps(result.to_json(), indent=2)
        body = text.encode()
    if out is None:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        return
    try:
        out.write_bytes(body)
    except OSError as exc:
        raise _refuse(f"--out {out}: {exc.strerror}") from None
    counts = ", ".join(f"{s.title.lower()} {len(s.rows)}" for s in result.sections)
    typer.echo(f"wrote {out} ({counts})")
