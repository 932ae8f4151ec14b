"""A `statewright/v1` definition -> SCXML (W3C State Chart XML).

Each state is an `<state>` (end states `<final>`), each transition a `<transition event cond
target>`, the start state the chart's `initial`, a fork with its branches and join a
`<parallel>` (one region per branch, left on `done.state.<fork>`). `<sw:...>` elements carry
the JSON of each state and transition, so importing our own file gives back the definition.
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from shared.definition import Definition
from shared.formats.common import SW_NS, FormatError, to_json_text
from shared.formats.scxml import SCXML_NS


def _s(tag: str) -> str:
    return f"{{{SCXML_NS}}}{tag}"


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
