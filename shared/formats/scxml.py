"""SCXML (W3C State Chart XML) <-> `statewright/v1`.

Our flat state graph is a state chart without hierarchy: each state is an `<state>` (end
states `<final>`), each transition a `<transition event cond target>`, the start state the
chart's `initial`. Export adds `<sw:...>` elements with the JSON of each state and
transition, so our own files come back exactly; other charts are mapped by shape (eventless
guarded exits make a decision, exits on events a wait) and what has no place here —
`<parallel>`, nested states, several targets — is reported by element id.
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from shared.definition import Definition
from shared.formats.common import (
    SW_NS,
    FormatError,
    Imported,
    definition_key,
    extension_json,
    local,
    namespace,
    new_document,
    parse_xml,
    state_id,
    to_json_text,
)

SCXML_NS = "http://www.w3.org/2005/07/scxml"
ET.register_namespace("", SCXML_NS)
ET.register_namespace("sw", SW_NS)
_IGNORED = {"datamodel", "script", "onentry", "onexit", "invoke", "initial", "history"}


def _s(tag: str) -> str:
    return f"{{{SCXML_NS}}}{tag}"


# ---- export ---------------------------------------------------------------------------------


def write_scxml(definition: Definition) -> str:
    document = definition.to_document()
    start = next((s["id"] for s in document["states"] if s["type"] == "start"), None)
    root = ET.Element(_s("scxml"), {"version": "1.0", "name": definition.key})
    if start:
        root.set("initial", start)
    header = {k: v for k, v in document.items() if k not in ("states", "transitions")}
    ET.SubElement(root, f"{{{SW_NS}}}definition").text = to_json_text(header)
    if document.get("variables"):
        datamodel = ET.SubElement(root, _s("datamodel"))
        for variable in document["variables"]:
            ET.SubElement(datamodel, _s("data"), {"id": variable["name"]})
    for state in document["states"]:
        tag = "final" if state["type"] == "end" else "state"
        element = ET.SubElement(root, _s(tag), {"id": state["id"]})
        ET.SubElement(element, f"{{{SW_NS}}}state").text = to_json_text(state)
        for transition in document["transitions"]:
            if transition["from"] == state["id"]:
                _transition(element, transition)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _transition(parent: ET.Element, transition: dict[str, Any]) -> None:
    element = ET.SubElement(parent, _s("transition"), {"target": transition["to"]})
    if transition.get("on"):
        element.set("event", transition["on"])
    if transition.get("when"):
        element.set("cond", transition["when"])
    extra = {k: v for k, v in transition.items() if k not in ("from", "to")}
    ET.SubElement(element, f"{{{SW_NS}}}transition").text = to_json_text(extra)
    for name, expression in transition.get("set", {}).items():
        ET.SubElement(element, _s("assign"), {"location": name, "expr": expression})


# ---- import ---------------------------------------------------------------------------------


def read_scxml(data: bytes | str, source: str = "the file") -> Imported:
    root = parse_xml(data, source)
    if local(root.tag) != "scxml" or namespace(root.tag) != SCXML_NS:
        raise FormatError(f"{source}: not SCXML (the root element is <{local(root.tag)}>, "
                          f"expected <scxml xmlns=\"{SCXML_NS}\">)")
    imported = Imported(new_document(definition_key(root.get("name")), root.get("name")))
    header = extension_json(root, "definition", "scxml", imported)
    if isinstance(header, dict):
        imported.document.update(header)
    else:
        _variables(root, imported)
    _Chart(root, imported).read(source)
    return imported


def _variables(root: ET.Element, imported: Imported) -> None:
    for data in root.iter(_s("data")):
        if data.get("id"):
            expr = (data.get("expr") or "").strip()
            kind = ("boolean" if expr in ("true", "false") else
                    "number" if expr.replace(".", "", 1).lstrip("-").isdigit() else "string")
            imported.document["variables"].append({"name": data.get("id"), "type": kind})


class _Chart:
    def __init__(self, root: ET.Element, imported: Imported) -> None:
        self.root, self.out, self.doc = root, imported, imported.document
        self.taken: set[str] = set()
        self.ids: dict[str, str] = {}  # SCXML id -> state id
        self.elements: list[ET.Element] = []

    def read(self, source: str) -> None:
        for child in self.root:
            tag, cid = local(child.tag), child.get("id", "?")
            if namespace(child.tag) != SCXML_NS or tag in _IGNORED:
                continue
            if tag == "parallel":
                self.out.unmapped(cid, "<parallel>: fork/join is not supported yet")
            elif tag == "state" and any(c.tag in (_s("state"), _s("parallel"), _s("final"))
                                        for c in child):
                self.out.unmapped(cid, "a compound state (states inside a state) is not "
                                       "supported; draw its states at the top level")
            elif tag in ("state", "final"):
                self.ids[child.get("id", "")] = state_id(child.get("id") or tag, self.taken)
                self.elements.append(child)
            else:
                self.out.unmapped(cid, f"<{tag}> is not supported")
        if not self.elements:
            raise FormatError(f"{source}: the SCXML chart has no states it can import")
        initial = self.root.get("initial") or self.elements[0].get("id", "")
        for element in self.elements:
            self._state(element, element.get("id") == initial.split()[0])
        for element in self.elements:
            for transition in element.findall(_s("transition")):
                self._transition(element, transition)

    def _state(self, element: ET.Element, initial: bool) -> None:
        sid = self.ids[element.get("id", "")]
        extension = extension_json(element, "state", sid, self.out)
        if isinstance(extension, dict):
            self.doc["states"].append({**extension, "id": sid})
            return
        exits = element.findall(_s("transition"))
        eventless = [t for t in exits if not t.get("event")]
        if local(element.tag) == "final":
            kind = "end"
        elif initial and len(exits) == 1 and eventless and not eventless[0].get("cond"):
            kind = "start"
        elif eventless and len(eventless) == len(exits):
            kind = "decision"
        else:
            kind = "wait"
        if initial and kind != "start":
            start = state_id("start", self.taken)
            self.doc["states"].append({"id": start, "type": "start"})
            self.doc["transitions"].append({"from": start, "to": sid})
            self.out.note(element.get("id", "?"), f"the initial state is not a plain start: "
                                                  f"a start state {start!r} leads into it")
        for ignored in ("onentry", "onexit", "invoke"):
            if element.find(_s(ignored)) is not None:
                self.out.note(element.get("id", "?"), f"<{ignored}> is not imported")
        self.doc["states"].append({"id": sid, "type": kind})

    def _transition(self, element: ET.Element, transition: ET.Element) -> None:
        source = self.ids[element.get("id", "")]
        where = f"{element.get('id')}/transition"
        targets = (transition.get("target") or "").split()
        if len(targets) != 1:
            what = "several targets (a parallel entry)" if targets else "no target"
            self.out.unmapped(where, f"a transition with {what} is not supported")
            return
        if targets[0] not in self.ids:
            self.out.unmapped(where, f"transition dropped: {targets[0]!r} was not imported")
            return
        result: dict[str, Any] = {"from": source, "to": self.ids[targets[0]]}
        extension = extension_json(transition, "transition", where, self.out)
        if isinstance(extension, dict):
            self.doc["transitions"].append({**result, **extension})
            return
        if transition.get("event"):
            result["on"] = transition.get("event").split()[0]
        if transition.get("cond"):
            result["when"] = transition.get("cond").replace("===", "==").replace("!==", "!=")
        elif not transition.get("event") and self._is_decision(source):
            result["default"] = True
        assignments = {a.get("location"): a.get("expr") for a in transition.findall(_s("assign"))
                       if a.get("location") and a.get("expr")}
        if assignments:
            result["set"] = assignments
        self.doc["transitions"].append(result)

    def _is_decision(self, sid: str) -> bool:
        return any(s["id"] == sid and s["type"] == "decision" for s in self.doc["states"])
