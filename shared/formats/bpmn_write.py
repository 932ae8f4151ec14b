"""A `statewright/v1` definition -> BPMN 2.0 XML with a diagram (BPMNDI) Camunda Modeler opens.

Each state becomes the BPMN element a modeller would draw for it; a task's `error` exits and
a wait's `timeout` become boundary events on it. Everything BPMN cannot say (guards in CEL,
`set`, forms, retries, SLAs) travels in `<sw:...>` extension elements holding the JSON, so
importing our own file gives back the same definition; other tools keep and ignore them.
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from shared.definition import Definition
from shared.formats.bpmn_diagram import draw
from shared.formats.bpmn_nodes import BPMN_NS, DC_NS, DI_NS
from shared.formats.bpmn_shapes import positions
from shared.formats.common import SW_NS, iso_duration, to_json_text

XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
_PREFIXES = {"bpmn": BPMN_NS, "bpmndi": DI_NS, "dc": DC_NS,
             "di": "http://www.omg.org/spec/DD/20100524/DI", "xsi": XSI_NS,
             "camunda": CAMUNDA_NS, "sw": SW_NS}
_ELEMENTS = {"start": "startEvent", "end": "endEvent", "task": "serviceTask",
             "human": "userTask", "wait": "receiveTask", "timer": "intermediateCatchEvent",
             "decision": "exclusiveGateway", "subprocess": "callActivity",
             "fork": "parallelGateway", "join": "parallelGateway"}
# Exits drawn as boundary events on the state instead of flows from its border.
_BOUNDARY = {("task", "error"), ("subprocess", "error"), ("wait", "timeout")}

for _prefix, _uri in _PREFIXES.items():
    ET.register_namespace(_prefix, _uri)


def _b(tag: str) -> str:
    return f"{{{BPMN_NS}}}{tag}"


def write_bpmn(definition: Definition) -> str:
    document = definition.to_document()
    process_id = "Process_" + definition.key.replace("-", "_")
    root = ET.Element(_b("definitions"), {
        "id": "Definitions_" + definition.key.replace("-", "_"),
        "targetNamespace": "urn:statewright:definitions",
        "exporter": "Statewright", "exporterVersion": "1"})
    writer = _Writer(document, root)
    process = ET.SubElement(root, _b("process"), {"id": process_id, "isExecutable": "true"})
    if definition.name:
        process.set("name", definition.name)
    header = {k: v for k, v in document.items() if k not in ("states", "transitions", "layout")}
    _extension(process, "definition", header)
    writer.write(process)
    writer.diagram(process_id)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _extension(element: ET.Element, tag: str, value: Any) -> None:
    holder = ET.SubElement(element, _b("extensionElements"))
    ET.SubElement(holder, f"{{{SW_NS}}}{tag}").text = to_json_text(value)


class _Writer:
    def __init__(self, document: dict[str, Any], root: ET.Element) -> None:
        self.document, self.root = document, root
        self.states = {s["id"]: s for s in document["states"]}
        self.taken = set(self.states)
        self.flows: list[tuple[str, str, str]] = []  # (flow id, source element, target)
        self.boundaries: dict[tuple[str, str], str] = {}  # (state, event) -> boundary id
        self.messages: dict[str, str] = {}

    def _unique(self, wanted: str) -> str:
        candidate, n = wanted, 2
        while candidate in self.taken:
            candidate, n = f"{wanted}_{n}", n + 1
        self.taken.add(candidate)
        return candidate

    def write(self, process: ET.Element) -> None:
        transitions = self.document["transitions"]
        flow_ids = [self._unique(t.get("id") or f"Flow_{i}") for i, t in enumerate(transitions)]
        for state in self.document["states"]:
            self._state(process, state, transitions, flow_ids)
        for (state_id, event), boundary_id in self.boundaries.items():
            self._boundary(process, boundary_id, self.states[state_id], event)
        for transition, flow_id in zip(transitions, flow_ids, strict=True):
            self._flow(process, transition, flow_id)
        for name, message_id in self.messages.items():
            self.root.insert(0, ET.Element(_b("message"), {"id": message_id, "name": name}))

    def _state(self, process: ET.Element, state: dict[str, Any],
               transitions: list[dict[str, Any]], flow_ids: list[str]) -> None:
        element = ET.SubElement(process, _b(_ELEMENTS[state["type"]]), {"id": state["id"]})
        if state.get("name"):
            element.set("name", state["name"])
        _extension(element, "state", state)
        outgoing = []
        for transition, flow_id in zip(transitions, flow_ids, strict=True):
            exit_ = (state["type"], transition.get("on"))
            if transition["from"] == state["id"] and exit_ in _BOUNDARY:
                key = (state["id"], transition["on"])
                self.boundaries.setdefault(key, self._unique(f"{state['id']}_{transition['on']}"))
            elif transition["from"] == state["id"]:
                outgoing.append(flow_id)
                if transition.get("default") and state["type"] == "decision":
                    element.set("default", flow_id)
        for flow_id, transition in zip(flow_ids, transitions, strict=True):
            if transition["to"] == state["id"]:
                ET.SubElement(element, _b("incoming")).text = flow_id
        for flow_id in outgoing:
            ET.SubElement(element, _b("outgoing")).text = flow_id
        self._details(element, state, transitions)

    def _details(self, element: ET.Element, state: dict[str, Any],
                 transitions: list[dict[str, Any]]) -> None:
        kind = state["type"]
        if kind == "task" and state.get("action"):
            element.set(f"{{{CAMUNDA_NS}}}type", "external")
            element.set(f"{{{CAMUNDA_NS}}}topic", state["action"])
        elif kind == "human" and state.get("role"):
            element.set(f"{{{CAMUNDA_NS}}}candidateGroups", state["role"])
        elif kind == "subprocess" and state.get("definition"):
            element.set("calledElement", state["definition"])
        elif kind == "wait":
            events = [t["on"] for t in transitions
                      if t["from"] == state["id"] and t.get("on") not in (None, "timeout")]
            if events:
                element.set("messageRef", self._message(events[0]))
        elif kind == "end" and state.get("outcome") in ("failed", "cancelled"):
            definition = "errorEventDefinition" if state["outcome"] == "failed" else \
                "terminateEventDefinition"
            ET.SubElement(element, _b(definition))
        elif kind == "timer":
            timer = ET.SubElement(element, _b("timerEventDefinition"))
            if state.get("duration_s"):
                _expression(timer, "timeDuration", iso_duration(state["duration_s"]))
            elif state.get("until"):
                _expression(timer, "timeDate", state["until"]).set("language", "cel")

    def _message(self, event: str) -> str:
        return self.messages.setdefault(event, self._unique(f"Message_{event}"))

    def _boundary(self, process: ET.Element, boundary_id: str, state: dict[str, Any],
                  event: str) -> None:
        element = ET.SubElement(process, _b("boundaryEvent"),
                                {"id": boundary_id, "attachedToRef": state["id"]})
        if event == "error":
            element.set("name", "error")
            ET.SubElement(element, _b("errorEventDefinition"))
        else:
            element.set("name", "timeout")
            timer = ET.SubElement(element, _b("timerEventDefinition"))
            if state.get("timeout_s"):
                _expression(timer, "timeDuration", iso_duration(state["timeout_s"]))

    def _flow(self, process: ET.Element, transition: dict[str, Any], flow_id: str) -> None:
        source_state = self.states.get(transition["from"], {"type": "?"})
        source = self.boundaries.get((transition["from"], transition.get("on", "")),
                                     transition["from"])
        if (source_state["type"], transition.get("on")) not in _BOUNDARY:
            source = transition["from"]
        flow = ET.SubElement(process, _b("sequenceFlow"),
                             {"id": flow_id, "sourceRef": source, "targetRef": transition["to"]})
        label = transition.get("label") or (
            transition.get("on") if source_state["type"] in ("human", "wait") else None)
        if label:
            flow.set("name", label)
        _extension(flow, "transition", {k: v for k, v in transition.items()
                                        if k not in ("from", "to")})
        if transition.get("when"):
            condition = _expression(flow, "conditionExpression", transition["when"])
            condition.set("language", "cel")
        self.flows.append((flow_id, source, transition["to"]))

    def diagram(self, process_id: str) -> None:
        draw(self.root, process_id, self.document, positions(self.document),
             self.boundaries, self.flows)


def _expression(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, _b(tag), {f"{{{XSI_NS}}}type": "bpmn:tFormalExpression"})
    element.text = text
    return element
