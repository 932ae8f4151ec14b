"""BPMN 2.0 XML (Camunda Modeler, bpmn.io) -> a `statewright/v1` document.

Element ids become state ids. Boundary events become exits of the activity they sit on
(`error`, a wait's `timeout`); an exclusive gateway that only merges paths disappears, its
incoming flows going straight on. A parallel gateway that splits is a `fork`, one that merges
a `join`; one that does both becomes the join `<id>` followed by the fork `<id>_fork`. Flows
carrying our extension data (files this project exported) are restored exactly; everything
else is mapped from BPMN and reported when it cannot be.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

from shared.formats import bpmn_nodes as nodes
from shared.formats.bpmn_nodes import BPMN_NS, DC_NS, DI_NS, Context, q
from shared.formats.bpmn_shapes import position_from_bounds
from shared.formats.common import (
    FormatError,
    Imported,
    definition_key,
    extension_json,
    local,
    namespace,
    new_document,
    parse_xml,
    slug,
    state_id,
)
from shared.formats.feel import FeelError, feel_to_cel

_DOCUMENTATION = {"laneSet", "textAnnotation", "association", "group", "documentation",
                  "extensionElements", "property", "ioSpecification", "dataObject"}
_FIRST_EVENT = {"start": None, "task": "done", "subprocess": "done", "timer": "elapsed",
                "decision": None, "fork": None, "join": None}


def read_bpmn(data: bytes | str, source: str = "the file") -> Imported:
    root = parse_xml(data, source)
    if local(root.tag) != "definitions" or namespace(root.tag) != BPMN_NS:
        raise FormatError(f"{source}: not BPMN 2.0 (the root element is <{local(root.tag)}>, "
                          "expected <bpmn:definitions>)")
    processes = [p for p in root.findall(q("process")) if len(p)]
    if not processes:
        raise FormatError(f"{source}: the BPMN file has no process with elements")
    process = next((p for p in processes if p.get("isExecutable") == "true"), processes[0])
    base = new_document(definition_key(process.get("name"), process.get("id")),
                        process.get("name") or root.get("name"))
    imported = Imported(base)
    extension = extension_json(process, "definition", process.get("id", "process"), imported)
    if isinstance(extension, dict):
        base.update({k: v for k, v in extension.items() if k not in ("states", "transitions")})
    _report_others(root, process, processes, imported)
    reader = _Reader(process, _context(root, process), imported)
    reader.read()
    _layout_from_diagram(root, reader.states, imported, stretch=1.0 if extension else 1.8)
    _place_outlets(imported.document, reader.states, reader.outlets)
    return imported


def _context(root: Element, process: Element) -> Context:
    context = Context(messages={m.get("id", ""): m.get("name") or m.get("id", "")
                                for m in root.findall(q("message"))})
    for lane in process.iter(q("lane")):
        role = slug(lane.get("name") or "", separator="-")
        for ref in lane.findall(q("flowNodeRef")):
            if role and ref.text:
                context.roles[ref.text.strip()] = role
    return context


def _report_others(root: Element, chosen: Element, processes: list[Element], out: Imported
                   ) -> None:
    for other in processes:
        if other is not chosen:
            out.unmapped(other.get("id", "?"), "a second process (pool) is not imported; one "
                                               "file becomes one definition")
    for flow in root.iter(q("messageFlow")):
        out.unmapped(flow.get("id", "?"), "message flow between pools: not imported; send "
                                          "events with `statewright send` or a trigger")


class _Reader:
    def __init__(self, process: Element, context: Context, imported: Imported) -> None:
        self.process, self.context, self.out = process, context, imported
        self.doc = imported.document
        self.states: dict[str, dict[str, Any]] = {}  # element id -> state
        self.merges: dict[str, str] = {}  # merging gateway -> its one outgoing flow's target
        self.boundaries: dict[str, tuple[str, str | None]] = {}  # id -> (activity, event)
        self.outlets: dict[str, dict[str, Any]] = {}  # joining-and-splitting gateway -> fork
        self.flows: list[Element] = []
        self.elements = {e.get("id", ""): e for e in process}
        self.taken: set[str] = set()
        self.variables: dict[str, str] = {}

    def read(self) -> None:
        elements = list(self.process)
        self.flows = [e for e in elements if local(e.tag) == "sequenceFlow"]
        for element in elements:
            tag = local(element.tag)
            if tag in ("sequenceFlow", "boundaryEvent") or tag in _DOCUMENTATION:
                continue
            if tag == "dataObjectReference" or tag == "dataStoreReference":
                self.out.note(element.get("id", "?"), "data objects are documentation only")
            elif tag == "exclusiveGateway" and self._is_merge(element):
                self.merges[element.get("id", "")] = self._only_target(element)
            elif tag == "parallelGateway":
                self._parallel(element)
            else:
                self._add_state(element)
        for element in elements:
            if local(element.tag) == "boundaryEvent":
                self._boundary(element)
        for flow in self.flows:
            self._transition(flow)
        self._declare_variables()

    def _add_state(self, element: Element, kind: str | None = None) -> None:
        eid = element.get("id", "")
        sid = state_id(eid, self.taken)
        state = {"id": sid, "type": kind} if kind else nodes.state_for(
            element, sid, self.context, self.out)
        if state is None:
            return
        if kind and element.get("name"):
            state["name"] = element.get("name").strip()
        if state["id"] != eid:
            self.out.note(eid, f"renamed to {state['id']!r}: state ids are letters, digits, "
                               "'_' and '-', at most 64")
        extension = extension_json(element, "state", eid, self.out)
        if isinstance(extension, dict):
            state = {**extension, "id": state["id"]}
            if element.get("name"):
                state["name"] = element.get("name").strip()
            else:
                state.pop("name", None)
        self.states[eid] = state
        self.doc["states"].append(state)

    def _parallel(self, gateway: Element) -> None:
        """Splitting: a fork; merging: a join; both: the join, then a fork of its own."""
        eid = gateway.get("id", "")
        outgoing = [f for f in self.flows if f.get("sourceRef") == eid]
        incoming = [f for f in self.flows if f.get("targetRef") == eid]
        if len(outgoing) <= 1 and len(incoming) <= 1:
            if len(outgoing) == 1:
                self.merges[eid] = self._only_target(gateway)
                self.out.note(eid, "a parallel gateway with one path in and one out does "
                                   "nothing: left out, its flows go straight on")
            else:
                self.out.unmapped(eid, "a parallel gateway without outgoing flows")
            return
        self._add_state(gateway, "join" if len(incoming) > 1 else "fork")
        if len(incoming) > 1 and len(outgoing) > 1:
            join = self.states[eid]
            fork = {"id": state_id(f"{join['id']}_fork", self.taken), "type": "fork"}
            self.outlets[eid] = fork
            self.doc["states"].append(fork)
            self.doc["transitions"].append({"from": join["id"], "to": fork["id"]})
            self.out.note(eid, f"the gateway both merges and splits: it becomes the join "
                               f"{join['id']!r} followed by the fork {fork['id']!r}")

    def _is_merge(self, gateway: Element) -> bool:
        outgoing = [f for f in self.flows if f.get("sourceRef") == gateway.get("id")]
        incoming = [f for f in self.flows if f.get("targetRef") == gateway.get("id")]
        return (len(outgoing) == 1 and len(incoming) > 1
                and outgoing[0].find(q("conditionExpression")) is None)

    def _only_target(self, gateway: Element) -> str:
        return next(f.get("targetRef", "") for f in self.flows
                    if f.get("sourceRef") == gateway.get("id"))

    def _boundary(self, event: Element) -> None:
        eid, activity = event.get("id", "?"), event.get("attachedToRef", "")
        state, kind = self.states.get(activity), nodes.kind_of(event)
        interrupting = event.get("cancelActivity", "true") != "false"
        if state is None:
            self.out.unmapped(eid, f"boundary event on {activity!r}, which was not imported")
            return
        if kind == "error" and state["type"] in ("task", "subprocess"):
            self.boundaries[eid] = (activity, "error")
        elif kind == "timer" and state["type"] == "wait" and interrupting:
            self._set_duration(state, "timeout_s", event)
            self.boundaries[eid] = (activity, "timeout")
        elif kind == "timer" and state["type"] == "human":
            self._set_duration(state, "sla_s", event)
            self.out.note(eid, "the timer becomes the human task's SLA (`sla_s`); statewright "
                               "escalates (`escalate_to`) instead of leaving the task by time")
            self.boundaries[eid] = (activity, None)
        elif kind == "timer" and state["type"] == "task" and interrupting:
            self._set_duration(state, "timeout_s", event)
            self.out.note(eid, "the timer becomes the task's attempt timeout (`timeout_s`); "
                               "after the last retry the task leaves on `error`")
            self.boundaries[eid] = (activity, "error")
        else:
            mode = "" if interrupting else "non-interrupting "
            self.out.unmapped(eid, f"{mode}{kind} boundary event on a {state['type']} state: "
                                   "not supported")

    def _set_duration(self, state: dict[str, Any], field: str, event: Element) -> None:
        seconds = nodes.timer_seconds(event, event.get("id", "?"), self.out)
        if seconds is not None:
            state[field] = seconds

    def _transition(self, flow: Element) -> None:
        fid = flow.get("id", "?")
        source_ref = flow.get("sourceRef", "")
        if source_ref in self.merges:
            return  # carried on by the flows entering the merge
        source_ref, event = self.boundaries.get(source_ref, (source_ref, ""))
        target_ref = self._through_merges(flow.get("targetRef", ""))
        source = self.outlets.get(source_ref) or self.states.get(source_ref)
        target = self.states.get(target_ref)
        if event is None:
            self.out.unmapped(fid, "the path after a human task's timer is not imported "
                                   "(see the timer's SLA note)")
            return
        if source is None or target is None:
            missing = flow.get("sourceRef") if source is None else target_ref
            self.out.unmapped(fid, f"sequence flow dropped: {missing!r} was not imported")
            return
        transition: dict[str, Any] = {"from": source["id"], "to": target["id"]}
        extension = extension_json(flow, "transition", fid, self.out)
        if isinstance(extension, dict):
            transition.update({k: v for k, v in extension.items() if k not in ("from", "to")})
        else:
            self._map_flow(flow, source, source_ref, event, transition)
        self.doc["transitions"].append(transition)

    def _through_merges(self, target: str) -> str:
        seen: set[str] = set()
        while target in self.merges and target not in seen:
            seen.add(target)
            target = self.merges[target]
        return target

    def _map_flow(self, flow: Element, source: dict[str, Any], source_ref: str, event: str,
                  transition: dict[str, Any]) -> None:
        fid = flow.get("id", "?")
        transition["id"] = state_id(fid, set())
        on = event or self._event(flow, source, source_ref)
        if on:
            transition["on"] = on
        if self.elements[source_ref].get("default") == fid:
            transition["default"] = True
        condition = flow.find(q("conditionExpression"))
        if condition is not None and (condition.text or "").strip():
            if source["type"] in ("fork", "join"):
                self.out.note(fid, "a condition on a flow leaving a parallel gateway is "
                                   "ignored (BPMN ignores it too): every branch is taken")
            else:
                self._guard(condition, fid, source, transition)
        if flow.get("name"):
            transition["label"] = flow.get("name").strip()

    def _event(self, flow: Element, source: dict[str, Any], source_ref: str) -> str | None:
        """The `on` of a flow: fixed by the source's type, else (human tasks, waits) the
        message waited for or the flow's name; several named exits are alternatives."""
        if source["type"] in _FIRST_EVENT:
            return _FIRST_EVENT[source["type"]]
        siblings = [f for f in self.flows if f.get("sourceRef") == source_ref]
        if len(siblings) == 1:
            if source["type"] == "wait":
                return nodes.message_event(self.elements[source_ref], self.context)
            return slug(flow.get("name") or "") or "submit"
        what = "user task" if source["type"] == "human" else "receive task or message event"
        self.out.note(flow.get("id", "?"), f"several flows leave a {what}: each becomes an "
                                           "alternative event (named after the flow), not "
                                           "a parallel path")
        return slug(flow.get("name") or "") or f"to_{flow.get('targetRef')}"

    def _guard(self, condition: Element, fid: str, source: dict[str, Any],
               transition: dict[str, Any]) -> None:
        text = condition.text.strip()
        if "cel" in (condition.get("language") or "").lower():
            transition["when"] = text
            return
        try:
            translation = feel_to_cel(text)
        except FeelError as exc:
            self.out.unmapped(fid, f"condition {text!r} not translated to CEL: {exc}; the flow "
                                   "is imported without its guard")
            return
        transition["when"] = translation.cel
        for name, type_ in translation.variables.items():
            self.variables.setdefault(name, type_)
        if source["type"] != "decision":
            self.out.note(fid, "a conditional flow leaving an activity: the first flow whose "
                               "guard holds is taken (BPMN would take every one that holds)")

    def _declare_variables(self) -> None:
        declared = {v.get("name") for v in self.doc["variables"]}
        for name, type_ in self.variables.items():
            if name not in declared:
                self.doc["variables"].append({"name": name, "type": type_})


# ---- diagram -------------------------------------------------------------------------------


def _layout_from_diagram(root: Element, by_id: dict[str, dict[str, Any]],
                         imported: Imported, stretch: float) -> None:
    """Canvas positions: the centre of each BPMNDI shape becomes the centre of its box.
    Other tools draw tasks 100 px wide, ours 180: their diagrams are stretched sideways so
    boxes do not overlap; our own exports come back unchanged."""
    layout: dict[str, dict[str, float]] = {}
    for shape in root.iter(f"{{{DI_NS}}}BPMNShape"):
        state = by_id.get(shape.get("bpmnElement", ""))
        bounds = shape.find(f"{{{DC_NS}}}Bounds")
        if state is None or bounds is None:
            continue
        try:
            box = [float(bounds.get(k, "0")) for k in ("x", "y", "width", "height")]
        except ValueError:
            continue
        box[0] = box[0] * stretch + box[2] * (stretch - 1) / 2
        layout[state["id"]] = position_from_bounds(state["type"], box)
    if layout:
        imported.document["layout"] = layout


def _place_outlets(document: dict[str, Any], states: dict[str, dict[str, Any]],
                   outlets: dict[str, dict[str, Any]]) -> None:
    """A fork made from a gateway that also joins has no shape of its own: it goes just
    right of its join."""
    layout = document.get("layout")
    for gateway, fork in outlets.items():
        join = layout.get(states[gateway]["id"]) if layout else None
        if join is not None:
            layout[fork["id"]] = {"x": join["x"] + 220, "y": join["y"]}
