"""SCXML (W3C State Chart XML) <-> `statewright/v1`.

Our state graph is a state chart whose only hierarchy is parallel branches: each state is an
`<state>` (end states `<final>`), each transition a `<transition event cond target>`, the
start state the chart's `initial`, a fork with its branches and join a `<parallel>` (one
region per branch, left on `done.state.<fork>`). Export adds `<sw:...>` elements with the
JSON of each state and transition, so our own files come back exactly; other charts are
mapped by shape (eventless guarded exits make a decision, exits on events a wait) and what
has no place here — other nested states, several targets — is reported by element id.
"""

from __future__ import annotations

import json
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
    parallels = parallel_regions(document)
    inside = {sid for branches, join in parallels.values() for b in branches for sid in b} | {
        join for _, join in parallels.values()}
    taken = {s["id"] for s in document["states"]}
    for state in document["states"]:
        if state["id"] in parallels:
            _parallel(root, document, state, parallels[state["id"]], taken)
        elif state["id"] not in inside:
            _state(root, document, state, {})
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _state(parent: ET.Element, document: dict[str, Any], state: dict[str, Any],
           retarget: dict[str, str]) -> None:
    tag = "final" if state["type"] == "end" else "state"
    element = ET.SubElement(parent, _s(tag), {"id": state["id"]})
    ET.SubElement(element, f"{{{SW_NS}}}state").text = to_json_text(state)
    for transition in document["transitions"]:
        if transition["from"] == state["id"]:
            _transition(element, transition, retarget.get(transition["to"]))


def _parallel(root: ET.Element, document: dict[str, Any], fork: dict[str, Any],
              shape: tuple[list[list[str]], str], taken: set[str]) -> None:
    """A fork, its branches and its join as `<parallel>`: one region per branch, ending in
    a `<final>` where the branch reaches the join; the join's exit is on `done.state.<id>`."""
    branches, join = shape
    states = {s["id"]: s for s in document["states"]}
    element = ET.SubElement(root, _s("parallel"), {"id": fork["id"]})
    ET.SubElement(element, f"{{{SW_NS}}}state").text = to_json_text(fork)
    ET.SubElement(element, f"{{{SW_NS}}}join").text = to_json_text(states[join])
    exits = [t for t in document["transitions"] if t["from"] == fork["id"]]
    for number, (exit_, branch) in enumerate(zip(exits, branches, strict=True), start=1):
        region_id = _unique(f"{fork['id']}_branch_{number}", taken)
        final_id = _unique(f"{region_id}_end", taken)
        region = ET.SubElement(element, _s("state"), {
            "id": region_id, "initial": final_id if exit_["to"] == join else exit_["to"]})
        ET.SubElement(region, f"{{{SW_NS}}}transition").text = to_json_text(
            {k: v for k, v in exit_.items() if k not in ("from", "to")})
        for sid in branch:
            _state(region, document, states[sid], {join: final_id})
        ET.SubElement(region, _s("final"), {"id": final_id})
    for transition in document["transitions"]:
        if transition["from"] == join:
            _transition(element, {**transition, "on": None}, None,
                        event=f"done.state.{fork['id']}")


def _unique(wanted: str, taken: set[str]) -> str:
    candidate, n = wanted, 2
    while candidate in taken:
        candidate, n = f"{wanted}_{n}", n + 1
    taken.add(candidate)
    return candidate


def parallel_regions(document: dict[str, Any]) -> dict[str, tuple[list[list[str]], str]]:
    """Each fork's branches (the states of each) and its join, when every branch is a part
    of the graph of its own that only the fork enters and only the join leaves; otherwise
    FormatError naming the fork, since `<parallel>` cannot say anything else."""
    types = {s["id"]: s["type"] for s in document["states"]}
    following: dict[str, list[str]] = {}
    for transition in document["transitions"]:
        following.setdefault(transition["from"], []).append(transition["to"])
    found: dict[str, tuple[list[list[str]], str]] = {}
    for fork in (sid for sid, kind in types.items() if kind == "fork"):
        branches: list[list[str]] = []
        joins: set[str] = set()
        for first in following.get(fork, []):
            branch: list[str] = []
            queue = [first]
            while queue:
                current = queue.pop(0)
                if current in branch or current not in types:
                    continue
                if types[current] == "join":
                    joins.add(current)
                    continue
                if types[current] in ("fork", "end", "start"):
                    raise FormatError(_not_parallel(fork, f"a branch reaches the {types[current]} "
                                                          f"'{current}' before a join"))
                branch.append(current)
                queue += following.get(current, [])
            branches.append(branch)
        if len(joins) != 1:
            raise FormatError(_not_parallel(fork, "its branches do not meet at one join"))
        join = joins.pop()
        members = [sid for branch in branches for sid in branch]
        if len(members) != len(set(members)):
            raise FormatError(_not_parallel(fork, "two branches share states"))
        allowed = {sid: {fork, *branch} for branch in branches for sid in branch}
        allowed[join] = set(members) | ({fork} if join in following.get(fork, []) else set())
        for transition in document["transitions"]:
            sources = allowed.get(transition["to"])
            if sources is not None and transition["from"] not in sources:
                raise FormatError(_not_parallel(fork, f"'{transition['from']}' outside its "
                                                      f"branches leads into "
                                                      f"'{transition['to']}'"))
        found[fork] = (branches, join)
    return found


def _not_parallel(fork: str, why: str) -> str:
    return (f"fork '{fork}' cannot be written as an SCXML <parallel>: {why} (each branch must "
            "run from the fork to the join on its own)")


def _transition(parent: ET.Element, transition: dict[str, Any], target: str | None,
                event: str | None = None) -> None:
    element = ET.SubElement(parent, _s("transition"), {"target": target or transition["to"]})
    if event or transition.get("on"):
        element.set("event", event or transition["on"])
    if transition.get("when"):
        element.set("cond", transition["when"])
    extra = {k: v for k, v in transition.items() if k not in ("from", "to") and v is not None}
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
