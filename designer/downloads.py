"""The designer's Download menu: the draft as the JSON document `statewright validate` and
`publish` read, or as BPMN, SCXML or Mermaid (docs/formats.md) once it matches the format."""

from __future__ import annotations

import json
from typing import Any

from nicegui import ui

SUFFIXES = {"bpmn": ("bpmn", "application/xml"), "scxml": ("scxml", "application/xml"),
            "mermaid": ("mmd", "text/plain")}


def download_draft(document: dict[str, Any], kind: str = "json") -> None:
    key = document["key"]
    if kind == "json":
        text = json.dumps(document, indent=2, ensure_ascii=False)
        ui.download.content(text.encode(), f"{key}.json", "application/json")
        return
    from shared.errors import SchemaError
    from shared.formats import FormatError, export_definition
    from shared.loading import parse_definition

    try:
        text = export_definition(parse_definition(document), kind)
    except SchemaError:
        ui.notify("Fix the schema findings first: only a complete definition converts",
                  type="negative")
        return
    except FormatError as error:  # e.g. forks SCXML's <parallel> cannot hold
        ui.notify(str(error), type="negative", multi_line=True)
        return
    suffix, mime = SUFFIXES[kind]
    ui.download.content(text.encode(), f"{key}.{suffix}", mime)
