"""Import and export of process definitions in other formats (docs/formats.md).

`import_definition` tells BPMN 2.0, SCXML and Amazon States Language apart by content and
returns the converted document with findings for whatever did not map; `export_definition`
writes BPMN, SCXML, Mermaid, JSON or YAML. Pure functions: no files, no store.
"""

from __future__ import annotations

import json
import re

from shared.definition import Definition
from shared.formats.common import FormatError, Imported, ImportFinding

EXPORT_FORMATS = ("bpmn", "scxml", "mermaid", "json", "yaml")
IMPORT_FORMATS = ("bpmn", "scxml", "asl")
_ROOT_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s>/]")

__all__ = ["EXPORT_FORMATS", "IMPORT_FORMATS", "FormatError", "ImportFinding", "Imported",
           "detect_format", "export_definition", "import_definition"]


def detect_format(data: bytes, source: str = "the file") -> str:
    """`bpmn`, `scxml` or `asl` from the content; FormatError naming the file otherwise."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        body = re.sub(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", b"", head[:65536], flags=re.S)
        match = _ROOT_TAG.search(body)
        if match is None:  # no complete start tag: let the parser say what is wrong
            from shared.formats.common import local, parse_xml

            root = local(parse_xml(data, source).tag)
        else:
            root = match.group(1).decode()
        if root == "definitions":
            return "bpmn"
        if root == "scxml":
            return "scxml"
        raise FormatError(f"{source}: XML, but neither BPMN 2.0 nor SCXML "
                          f"(the root element is <{root}>)")
    if head.startswith(b"{"):
        try:
            value = json.loads(data)
        except ValueError as exc:
            raise FormatError(f"{source}: not valid JSON ({exc})") from None
        if isinstance(value, dict) and "States" in value and "StartAt" in value:
            return "asl"
        if isinstance(value, dict) and "states" in value:
            raise FormatError(f"{source}: already a statewright definition; use it as it is")
        raise FormatError(f"{source}: JSON, but not Amazon States Language (no `StartAt` "
                          "and `States`)")
    raise FormatError(f"{source}: not a BPMN, SCXML or Amazon States Language file")


def import_definition(data: bytes, source: str = "the file") -> Imported:
    kind = detect_format(data, source)
    if kind == "bpmn":
        from shared.formats.bpmn_read import read_bpmn

        return read_bpmn(data, source)
    if kind == "scxml":
        from shared.formats.scxml import read_scxml

        return read_scxml(data, source)
    from shared.formats.asl import read_asl

    return read_asl(data, source)


def export_definition(definition: Definition, kind: str) -> str:
    if kind == "bpmn":
        from shared.formats.bpmn_write import write_bpmn

        return write_bpmn(definition)
    if kind == "scxml":
        from shared.formats.scxml_write import write_scxml

        return write_scxml(definition)
    if kind == "mermaid":
        from shared.formats.mermaid import write_mermaid

        return write_mermaid(definition)
    if kind == "json":
        return json.dumps(definition.to_document(), indent=2, ensure_ascii=False) + "\n"
    if kind == "yaml":
        import yaml

        return yaml.safe_dump(definition.to_document(), sort_keys=False, allow_unicode=True)
    raise ValueError(f"unknown export format {kind!r}; use one of {', '.join(EXPORT_FORMATS)}")
