"""SCXML (W3C State Chart XML) -> `statewright/v1`.

Our state graph is a state chart whose only hierarchy is parallel branches (the export is
shared/formats/scxml_write.py). Our own files come back exactly from their `<sw:...>`
elements; other charts are mapped by shape (eventless guarded exits make a decision, exits on
events a wait, a `<parallel>` a fork, its regions' states and a join) and what has no place
here — other nested states, several targets — is reported by element id.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

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
)

SCXML_NS = "http://www.w3.org/2005/07/scxml"
ET.register_namespace("", SCXML_NS)
ET.register_namespace("sw", SW_NS)
_IGNORED = {"datamodel", "script", "onentry", "onexit", "invoke", "initial", "history"}


def _s(tag: str) -> str:
    return f"{{{SCXML_NS}}}{tag}"


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
        # <parallel> id -> its regions, the join's id and the join's extension data
        self.forks: dict[str, tuple[list[ET.Element], str, dict[str, Any] | None]] = {}

    def read(self, source: str) -> None:
        for child in self.root:
            tag, cid = local(child.tag), child.get("id", "?")
            if namespace(child.tag) != SCXML_NS or tag in _IGNORED:
                continue
            if tag == "parallel":
                self._parallel(child)
            elif tag == "state" and _compound(child):
                self.out.unmapped(cid, "a compound state (states inside a state) is not "
                                       "supported; draw its states at the top level")
            elif tag in ("state", "final"):
                self._take(child)
            else:
                self.out.unmapped(cid, f"<{tag}> is not supported")
        if not self.elements:
            raise FormatError(f"{source}: the SCXML chart has no states it can import")
        initial = (self.root.get("initial") or self.elements[0].get("id", "")).split()[0]
        if initial in self.forks:
            start = state_id("start", self.taken)
            self.doc["states"].append({"id": start, "type": "start"})
            self.doc["transitions"].append({"from": start, "to": self.ids[initial]})
        for element in self.elements:
            if element.get("id", "") in self.forks:
                self._fork(element)
            else:
                self._state(element, element.get("id") == initial)
        for element in self.elements:
            for transition in element.findall(_s("transition")):
                self._transition(element, transition)

    def _take(self, element: ET.Element) -> None:
        self.ids[element.get("id", "")] = state_id(element.get("id") or "state", self.taken)
        self.elements.append(element)

    def _parallel(self, parallel: ET.Element) -> None:
        """`<parallel>` -> a fork into each region's states, their `<final>`s -> one join."""
        pid = parallel.get("id", "?")
        regions = [r for r in parallel if r.tag == _s("state")]
        problems = [f"<{local(c.tag)}> directly inside it" for c in parallel
                    if c.tag in (_s("parallel"), _s("final"))]
        for region in regions:
            finals = [c for c in region if c.tag == _s("final")]
            if len(finals) != 1 or any(c.tag == _s("parallel") or (
                    c.tag == _s("state") and _compound(c)) for c in region):
                problems.append(f"region {region.get('id', '?')!r} needs exactly one <final> "
                                "and no nested states")
        if len(regions) < 2 or problems:
            detail = "; ".join(problems) or "fewer than two regions"
            self.out.unmapped(pid, f"<parallel> not imported: {detail}")
            return
        self._take(parallel)
        for holder in (parallel, *regions):
            if holder is not parallel and holder.find(_s("transition")) is not None:
                self.out.unmapped(f"{holder.get('id', '?')}/transition", "a transition leaving "
                                  "a whole region is not supported; the region ends at its "
                                  "<final>")
            for ignored in ("onentry", "onexit", "invoke", "history"):
                if holder.find(_s(ignored)) is not None:
                    self.out.note(holder.get("id", "?"), f"<{ignored}> is not imported")
        join = self._own_extension(parallel, "join")
        join_id = state_id(str(join.get("id") or f"{self.ids[pid]}_join"), self.taken)
        self.forks[pid] = (regions, join_id, join or None)
        for region in regions:
            for child in region:
                if child.tag == _s("final"):
                    self.ids[child.get("id", "")] = join_id
                elif child.tag == _s("state"):
                    self._take(child)

    def _fork(self, parallel: ET.Element) -> None:
        pid = parallel.get("id", "")
        regions, join_id, join = self.forks[pid]
        fork = {"type": "fork", **self._own_extension(parallel, "state"), "id": self.ids[pid]}
        self.doc["states"] += [fork, {**(join or {"type": "join"}), "id": join_id}]
        for region in regions:
            entry = region.find(f"{_s('initial')}/{_s('transition')}")
            first = region.get("initial") or (entry.get("target") if entry is not None else
                                              None) or next(
                (c.get("id", "") for c in region if c.tag == _s("state")), "")
            first = first.split()[0] if first else ""
            if first in self.ids:
                extra = self._own_extension(region, "transition")
                self.doc["transitions"].append({"from": fork["id"], "to": self.ids[first],
                                                **extra})
            else:
                self.out.unmapped(region.get("id", "?"), "the region's initial state is not "
                                                         "one of its <state>s")
        done = f"done.state.{pid}"
        for transition in parallel.findall(_s("transition")):
            if transition.get("event") == done and not transition.get("cond") and len(
                    (transition.get("target") or "").split()) == 1:
                transition.set("event", "")
                self._transition(parallel, transition, source=join_id)
            else:
                self.out.unmapped(f"{pid}/transition", f"only an unguarded `{done}` transition "
                                                       "can leave a <parallel> (its join)")

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

    def _transition(self, element: ET.Element, transition: ET.Element,
                    source: str | None = None) -> None:
        if element.get("id", "") in self.forks and source is None:
            return  # the fork's exits are its regions; the <parallel>'s own leave its join
        source = source or self.ids[element.get("id", "")]
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

    def _own_extension(self, element: ET.Element, tag: str) -> dict[str, Any]:
        """Our `<sw:{tag}>` JSON directly inside `element` (not in the states it holds)."""
        holder = element.find(f"{{{SW_NS}}}{tag}")
        if holder is None or not (holder.text or "").strip():
            return {}
        try:
            value = json.loads(holder.text)
        except ValueError as exc:
            self.out.note(element.get("id", "?"), f"statewright extension data is not JSON "
                                                  f"({exc}); ignored")
            return {}
        return value if isinstance(value, dict) else {}

    def _is_decision(self, sid: str) -> bool:
        return any(s["id"] == sid and s["type"] == "decision" for s in self.doc["states"])


def _compound(element: ET.Element) -> bool:
    return any(c.tag in (_s("state"), _s("parallel"), _s("final")) for c in element)
