"""Turning an uploaded file into a draft the designer can open: a JSON/YAML definition, or a
BPMN, SCXML or Amazon States Language file converted by `shared.formats`.

Only what the designer itself needs is required here (an object with a valid key and lists of
states and transitions); every other problem becomes a finding on the canvas, so a half-right
file can still be imported and fixed.
"""

from __future__ import annotations

import re
from typing import Any

from designer.layout import arrange
from shared.definition import KEY_PATTERN
from shared.errors import DocumentError
from shared.formats import FormatError, detect_format, import_definition
from shared.loading import check_shape, load_document


class ImportRefused(ValueError):
    """The upload cannot become a draft; the message names the file and the problem."""


def draft_from_upload(data: bytes, filename: str, notes: list[str] | None = None
                      ) -> dict[str, Any]:
    """The draft for an upload; what a converted file could not map is added to `notes`."""
    try:
        if _foreign(data):
            imported = import_definition(data, filename)
            document = imported.document
            if notes is not None:
                notes.extend(finding.line() for finding in imported.findings)
        else:
            document = load_document(data)
        check_shape(document, filename)
    except FormatError as error:
        raise ImportRefused(str(error)) from None
    except DocumentError as error:
        raise ImportRefused(f"{filename}: {error}") from None
    key = document.get("key")
    if not isinstance(key, str) or not re.fullmatch(KEY_PATTERN, key):
        raise ImportRefused(
            f"{filename}: `key` must be lower-case letters, digits and '-' (got {key!r})"
        )
    for field in ("states", "transitions"):
        items = document.get(field, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ImportRefused(f"{filename}: `{field}` must be a list of objects")
    for index, state in enumerate(document.get("states", [])):
        if not isinstance(state.get("id"), str):
            raise ImportRefused(f"{filename}: states[{index}].id must be a text id")
    layout = document.get("layout", {})
    if not isinstance(layout, dict):
        raise ImportRefused(f"{filename}: `layout` must be an object of positions")
    if not layout:
        document["layout"] = {
            state_id: {"x": round(spot["x"]), "y": round(spot["y"])}
            for state_id, spot in arrange(document).items()
        }
    return document


def _foreign(data: bytes) -> bool:
    """XML (BPMN, SCXML) or Amazon States Language JSON rather than our own document."""
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
        return True
    try:
        return detect_format(data) == "asl"
    except FormatError:
        return False
