"""The BPMNDI part of an exported BPMN file: a shape per element, a routed edge per flow.

Without it Camunda Modeler and bpmn.io show an empty canvas. Edges are orthogonal: forwards
from the right side of the source to the left side of the target, backwards (loops) under
both shapes, so they do not run through boxes in a left-to-right layout.
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from shared.formats.bpmn_nodes import DC_NS, DI_NS
from shared.formats.bpmn_shapes import bounds_from_position

DD_DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
BOUNDARY_SIZE = 36


def draw(root: ET.Element, process_id: str, document: dict[str, Any],
         places: dict[str, dict[str, float]], boundaries: dict[tuple[str, str], str],
         flows: list[tuple[str, str, str]]) -> None:
    diagram = ET.SubElement(root, f"{{{DI_NS}}}BPMNDiagram", {"id": "BPMNDiagram_1"})
    plane = ET.SubElement(diagram, f"{{{DI_NS}}}BPMNPlane",
                          {"id": "BPMNPlane_1", "bpmnElement": process_id})
    boxes: dict[str, list[float]] = {}
    for state in document["states"]:
        boxes[state["id"]] = bounds_from_position(state["type"], places[state["id"]])
        _shape(plane, state["id"], boxes[state["id"]],
               marker=state["type"] == "decision")
    per_state: dict[str, int] = {}
    for (state_id, _event), boundary_id in boundaries.items():
        x, y, width, height = boxes[state_id]
        index = per_state[state_id] = per_state.get(state_id, 0) + 1
        left = x + width - (BOUNDARY_SIZE + 4) * index - 4
        boxes[boundary_id] = [left, y + height - BOUNDARY_SIZE / 2, BOUNDARY_SIZE, BOUNDARY_SIZE]
        _shape(plane, boundary_id, boxes[boundary_id])
    for flow_id, source, target in flows:
        edge = ET.SubElement(plane, f"{{{DI_NS}}}BPMNEdge",
                             {"id": f"{flow_id}_di", "bpmnElement": flow_id})
        for x, y in _route(boxes[source], boxes[target], from_bottom=source not in places):
            ET.SubElement(edge, f"{{{DD_DI_NS}}}waypoint", {"x": _n(x), "y": _n(y)})


def _shape(plane: ET.Element, element_id: str, box: list[float], marker: bool = False) -> None:
    attributes = {"id": f"{element_id}_di", "bpmnElement": element_id}
    if marker:
        attributes["isMarkerVisible"] = "true"
    shape = ET.SubElement(plane, f"{{{DI_NS}}}BPMNShape", attributes)
    x, y, width, height = box
    ET.SubElement(shape, f"{{{DC_NS}}}Bounds",
                  {"x": _n(x), "y": _n(y), "width": _n(width), "height": _n(height)})


def _route(source: list[float], target: list[float], *, from_bottom: bool
           ) -> list[tuple[float, float]]:
    sx, sy, sw, sh = source
    tx, ty, tw, th = target
    s_mid, t_mid = sy + sh / 2, ty + th / 2
    if from_bottom:  # a boundary event: down, then across into the target's side or bottom
        start = (sx + sw / 2, sy + sh)
        if tx > sx + sw:
            return [start, (start[0], t_mid), (tx, t_mid)]
        below = max(sy + sh, ty + th) + 30
        return [start, (start[0], below), (tx + tw / 2, below), (tx + tw / 2, ty + th)]
    if tx >= sx + sw + 10:  # forwards
        if abs(s_mid - t_mid) < 1:
            return [(sx + sw, s_mid), (tx, t_mid)]
        bend = sx + sw + (tx - sx - sw) / 2
        return [(sx + sw, s_mid), (bend, s_mid), (bend, t_mid), (tx, t_mid)]
    below = max(sy + sh, ty + th) + 30  # backwards or in the same column
    return [(sx + sw / 2, sy + sh), (sx + sw / 2, below), (tx + tw / 2, below),
            (tx + tw / 2, ty + th)]


def _n(value: float) -> str:
    return f"{value:g}" if not float(value).is_integer() else str(int(value))

