"""Commands on definition documents: schema, validate, publish."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from runtime.cli.app import app

if TYPE_CHECKING:
    from shared.findings import Finding, Report

_COLOURS = {"error": "red", "warning": "yellow"}


@app.command()
def schema() -> None:
    """Print the JSON Schema of the statewright/v1 definition format."""
    from shared.definition import json_schema

    print(json.dumps(json_schema(), indent=2))


@app.command()
def validate(
    file: Annotated[
        str, typer.Argument(metavar="FILE", help="Definition file (JSON or YAML); '-' reads stdin.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check a definition. Exit 0: no errors (warnings allowed); 1: errors; 2: unreadable file."""
    from shared.errors import DocumentError
    from shared.loading import load_document, read_stdin
    from shared.validation import validate as validate_document

    try:
        document = read_stdin() if file == "-" else load_document(file)
        report = validate_document(document)
    except DocumentError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except Exception as exc:  # a bug must still not show a traceback to the user
        typer.echo(f"error: could not validate {file}: {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        _print_report(file, report, colour=sys.stdout.isatty())
    raise typer.Exit(0 if report.ok else 1)


def _print_report(file: str, report: Report, *, colour: bool) -> None:
    for finding in report.findings:
        typer.echo(_line(finding, colour))
    warnings = _count(len(report.warnings), "warning")
    if report.ok:
        summary, fg = ("valid, " + warnings if report.warnings else "valid"), "green"
    else:
        summary, fg = f"{_count(len(report.errors), 'error')}, {warnings}", "red"
    typer.echo(f"{file}: " + (typer.style(summary, fg=fg, bold=True) if colour else summary))


def _line(finding: Finding, colour: bool) -> str:
    severity = f"{finding.severity:<7}"
    if colour:
        severity = typer.style(severity, fg=_COLOURS[finding.severity], bold=True)
    return f"{severity} {finding.code:<16} {finding.message}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
