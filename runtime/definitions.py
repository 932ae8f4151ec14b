"""Checking a definition before it is published: parsed, validated, every finding kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from runtime.core.errors import DefinitionInvalid
from shared.definition import Definition
from shared.errors import DocumentError, SchemaError
from shared.loading import load_document, parse_definition


def checked_definition(source: dict[str, Any] | str | Path | Definition) -> Definition:
    """The validated model of `source`, or `DefinitionInvalid` with every finding."""
    from shared.validation import validate

    try:
        if isinstance(source, Definition):
            definition = source
        else:
            doc = source if isinstance(source, dict) else load_document(
                str(source) if isinstance(source, Path) else source)
            definition = parse_definition(doc)
    except SchemaError as exc:
        raise DefinitionInvalid(str(exc), exc.findings) from None
    except DocumentError as exc:
        raise DefinitionInvalid(str(exc), []) from None
    report = validate(definition)
    if not report.ok:
        lines = "; ".join(f"{f.code}: {f.message}" for f in report.errors)
        raise DefinitionInvalid(
            f"definition {definition.key!r} has {len(report.errors)} error(s): {lines}",
            list(report.findings))
    return definition
