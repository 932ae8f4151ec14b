"""What every format converter shares: the import result, its findings, safe XML parsing,
id and duration conversions.

Import never drops an element silently: whatever has no place in `statewright/v1` becomes an
`ImportFinding` naming the element id, so the person importing knows what to redraw.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal
from xml.etree.ElementTree import Element, ParseError

from shared.definition import SCHEMA_ID
from shared.errors import StatewrightError
from shared.loading import MAX_DOCUMENT_BYTES

# Our extension data (BPMN extensionElements, SCXML foreign elements) lives in this namespace.
SW_NS = "urn:statewright:v1"


class FormatError(StatewrightError):
    """The input is not a file of the format at all (not XML, not BPMN, a DTD, bad JSON...)."""


@dataclass(frozen=True)
class ImportFinding:
    """An element that was not mapped (`error`: its meaning is lost) or mapped with a
    difference worth knowing (`warning`). `element` is the id in the source file."""

    element: str
    message: str
    severity: Literal["error", "warning"] = "error"

    def line(self) -> str:
        return f"{self.severity:<7} {self.element}: {self.message}"


@dataclass
class Imported:
    """A converted document (a plain dict, maybe invalid) and what did not map."""

    document: dict[str, Any]
    findings: list[ImportFinding] = field(default_factory=list)

    def unmapped(self, element: str, message: str) -> None:
        self.findings.append(ImportFinding(element, message, "error"))

    def note(self, element: str, message: str) -> None:
        self.findings.append(ImportFinding(element, message, "warning"))


def new_document(key: str, name: str | None) -> dict[str, Any]:
    document: dict[str, Any] = {"schema": SCHEMA_ID, "key": key}
    if name:
        document["name"] = name
    document.update(variables=[], states=[], transitions=[])
    return document


# ---- XML ----------------------------------------------------------------------------------


def parse_xml(data: bytes | str, source: str) -> Element:
    """Parse untrusted XML with defusedxml: no DTDs, entities or external references (which
    is how XXE and billion-laughs files attack a parser)."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    check_size(data, source)
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise FormatError(
            f"{source}: refused: the XML declares a DTD or entities, which process files never "
            "need (and which XXE and entity-expansion attacks use)"
        ) from None
    except ParseError as exc:
        raise FormatError(f"{source}: not well-formed XML ({exc})") from None


def check_size(data: bytes | str, source: str) -> None:
    if len(data) > MAX_DOCUMENT_BYTES:
        raise FormatError(f"{source}: larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB")


def local(tag: str) -> str:
    """`{namespace}task` -> `task`."""
    return tag.rsplit("}", 1)[-1]


def namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def extension_json(element: Element, tag: str, where: str, imported: Imported) -> Any:
    """The JSON carried by our `<sw:{tag}>` child of `element` (None when there is none)."""
    node = element.find(f".//{{{SW_NS}}}{tag}")
    if node is None or not (node.text or "").strip():
        return None
    try:
        return json.loads(node.text)
    except ValueError as exc:
        imported.note(where, f"statewright extension data is not JSON ({exc}); ignored")
        return None


def to_json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


# ---- ids -------------------------------------------------------------------------------------

_NOT_ID = re.compile(r"[^A-Za-z0-9_-]+")


def state_id(raw: str, taken: set[str]) -> str:
    """A state id (letters, digits, `_`, `-`; starting with a letter or `_`; at most 64
    characters) made from `raw`, unique among `taken` (which it is added to)."""
    candidate = _NOT_ID.sub("_", raw.strip()).strip("_") or "state"
    if not re.match(r"[A-Za-z_]", candidate):
        candidate = f"_{candidate}"
    candidate = candidate[:64]
    unique, n = candidate, 2
    while unique in taken:
        suffix = f"_{n}"
        unique, n = candidate[: 64 - len(suffix)] + suffix, n + 1
    taken.add(unique)
    return unique


def slug(text: str, *, separator: str = "_") -> str:
    """`Documents received` -> `documents_received` (events, variables, keys)."""
    words = re.findall(r"[A-Za-z0-9]+", text.lower())
    return separator.join(words)


def definition_key(*candidates: str | None) -> str:
    """A definition key (`loan-approval`) from the first usable name."""
    for text in candidates:
        key = slug(text or "", separator="-")[:64].strip("-")
        if key:
            return key
    return "imported-process"


# ---- durations ---------------------------------------------------------------------------

_ISO_DURATION = re.compile(
    r"^P(?:(?P<y>\d+(?:\.\d+)?)Y)?(?:(?P<mo>\d+(?:\.\d+)?)M)?(?:(?P<w>\d+(?:\.\d+)?)W)?"
    r"(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<mi>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)
_UNIT_S = {"y": 365 * 86400, "mo": 30 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600,
           "mi": 60, "s": 1}


def iso_duration_s(text: str) -> tuple[float, bool] | None:
    """Seconds of an ISO 8601 duration (`PT1H30M`, `P7D`), and whether it was approximated
    (years and months have no fixed length: 365 and 30 days). None when it is not one."""
    match = _ISO_DURATION.match(text.strip().upper())
    if not match or text.strip().upper() in ("P", "PT") or text.strip().upper().endswith("T"):
        return None
    seconds = sum(float(v) * _UNIT_S[k] for k, v in match.groupdict().items() if v)
    if seconds <= 0:
        return None
    approximate = bool(match.group("y") or match.group("mo"))
    return seconds, approximate


def iso_duration(seconds: float) -> str:
    """`90061` -> `P1DT1H1M1S`: the form BPMN timers and Camunda Modeler expect."""
    whole = int(seconds)
    fraction = seconds - whole
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = "P" + (f"{days}D" if days else "")
    time = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if secs or fraction:
        time += f"{secs + fraction:g}S"
    return text + ("T" + time if time else "") if text != "P" or time else "PT0S"


def compact(value: float) -> float | int:
    """Whole numbers as ints, so an imported `60.0` reads `60` like hand-written documents."""
    return int(value) if float(value).is_integer() else value
