"""The Designer's Download menu: the draft as JSON, or converted to BPMN, SCXML or Mermaid.

A conversion needs a complete definition, so a draft with schema findings or a shape the
format cannot hold gets a notice naming why instead of a file.
"""

from __future__ import annotations

import json
from typing import Any

from nicegui import ui

from shared.errors import SchemaError
from shared.formats import FormatError, export_definition
from shared.loading import parse_definition

_FILES = {
    "bpmn": ("bpmn", "application/xml"),
    "scxml": ("scxml", "application/xml"),
    "mermaid": ("mmd", "text/plain"),
}


def download_draft(doc: dict[str, Any], kind: str = "json") -> None:
    """Send the draft as the JSON `statewright validate` and `publish` read, or as BPMN,
    SCXML or Mermaid (docs/formats.md) once it matches the format."""
    key = doc["key"]
    if kind == "json":
        text = json.dumps(doc, indent=2, ensure_ascii=False)
        ui.download.content(text.encode(), f"{key}.json", "application/json")
        return
    try:
        text = export_definition(parse_definition(doc), kind)
    except SchemaError:
        ui.notify("Fix the schema findings first: only a complete definition converts",
                  type="negative")
        return
    except FormatError as error:  # e.g. forks SCXML's <parallel> cannot hold
        ui.notify(str(error), type="negative", multi_line=True)
        return
    suffix, mime = _FILES[kind]
    ui.download.content(text.encode(), f"{key}.{suffix}", mime)
