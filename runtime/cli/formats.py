"""`statewright import` and `export`: process definitions in BPMN, SCXML, Amazon States
Language and Mermaid (docs/formats.md).

Import works on files only (no database); export reads a published version from the store.
Both keep the web stack out: the converters live in `shared.formats`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from runtime.cli.app import app
from runtime.cli.common import DEFAULT_DB, DbOption

FormatOption = Annotated[str, typer.Option(
    "--format", "-f", help="bpmn, scxml, mermaid, json or yaml.")]


@app.command("import")
def import_file(
    file: Annotated[str, typer.Argument(
        metavar="FILE", help="BPMN 2.0, SCXML or Amazon States Language file (told by content).")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the statewright JSON.")],
) -> None:
    """Convert a process file into a statewright definition.

    Exit 0: written (notes printed); 1: not written, since the result does not validate or
    something could not be mapped; 2: the file cannot be read or is not such a file.
    """
    from shared.errors import DocumentError, SchemaError
    from shared.formats import FormatError, import_definition
    from shared.loading import MAX_DOCUMENT_BYTES, parse_definition
    from shared.validation import validate

    try:
        data = _read(Path(file), MAX_DOCUMENT_BYTES)
        imported = import_definition(data, file)
    except (FormatError, DocumentError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    for finding in imported.findings:
        typer.echo(finding.line(), err=True)
    report = validate(imported.document)
    for finding in report.findings:
        typer.echo(f"{finding.severity:<7} {finding.code}: {finding.message}", err=True)
    unmapped = [f for f in imported.findings if f.severity == "error"]
    if not report.ok or unmapped:
        typer.echo(f"{file}: not written: {len(unmapped)} element(s) not mapped, "
                   f"{len(report.errors)} validation error(s)", err=True)
        raise typer.Exit(1)
    try:
        document = parse_definition(imported.document).to_document()
        out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    except (OSError, SchemaError) as exc:
        typer.echo(f"error: cannot write {out}: {exc}", err=True)
        raise typer.Exit(2) from None
    notes = len(imported.findings) + len(report.warnings)
    typer.echo(f"{file}: imported {document['key']!r} ({len(document['states'])} states) "
               f"into {out}" + (f", {notes} note(s)" if notes else ""))


@app.command()
def export(
    key: Annotated[str, typer.Argument(help="Key of a published definition.")],
    format: FormatOption = "bpmn",
    version: Annotated[int | None, typer.Option(help="Version (default: the latest).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="File to write (default: stdout).")
                   ] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Write a published definition as BPMN (with diagram), SCXML, Mermaid, JSON or YAML."""
    from runtime.cli.common import emit_text, open_engine
    from shared.formats import EXPORT_FORMATS, FormatError, export_definition
    from shared.loading import parse_definition

    if format not in EXPORT_FORMATS:
        typer.echo(f"error: --format must be one of {', '.join(EXPORT_FORMATS)} "
                   f"(got {format!r}); asl is import only", err=True)
        raise typer.Exit(2)
    with open_engine(db) as engine:
        published = engine.version(key, version)
    try:
        text = export_definition(parse_definition(published.document), format)
    except FormatError as exc:  # the definition has something the format cannot say
        typer.echo(f"error: {key} v{published.version}: {exc}", err=True)
        raise typer.Exit(1) from None
    emit_text(text, out, f"{key} v{published.version}: {format} written to {out}")


def _read(path: Path, limit: int) -> bytes:
    from shared.errors import DocumentError

    try:
        if path.is_dir():
            raise DocumentError(f"{path} is a directory, not a process file")
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise DocumentError(f"{path}: no such file") from None
    except OSError as exc:
        raise DocumentError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise DocumentError(f"{path} is larger than {limit // (1024 * 1024)} MB")
    if not data.strip():
        raise DocumentError(f"{path} is empty")
    return data
