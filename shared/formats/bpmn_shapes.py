"""Where BPMN shapes go: sizes per state type, canvas positions <-> BPMNDI bounds, and a
layered layout for definitions drawn without positions.

The designer's boxes are 180x56 (round shapes 56x56) at `layout[id]` (their top-left corner);
a BPMN shape is centred on the same point, so moving a box in either tool moves it in the
other, and our own export reads back to the same positions.
"""

from __future__ import annotations

from collections import deque
from typing import Any

ROUND = {"start", "end", "timer", "decision"}
BPMN_SIZE = {"start": (36, 36), "end": (36, 36), "timer": (36, 36), "decision": (50, 50),
             "fork": (50, 50), "join": (50, 50)}
ACTIVITY_SIZE = (100, 80)
COLUMN_PX, ROW_PX = 260, 140


def canvas_size(state_type: str) -> tuple[int, int]:
    return (56, 56) if state_type in ROUND else (180, 56)


def bpmn_size(state_type: str) -> tuple[int, int]:
    return BPMN_SIZE.get(state_type, ACTIVITY_SIZE)


def bounds_from_position(state_type: str, position: dict[str, float]) -> list[float]:
    """`[x, y, width, height]` of the BPMN shape centred on the canvas box."""
    (cw, ch), (bw, bh) = canvas_size(state_type), bpmn_size(state_type)
    return [position["x"] + (cw - bw) / 2, position["y"] + (ch - bh) / 2, bw, bh]


def position_from_bounds(state_type: str, box: list[float]) -> dict[str, float]:
    x, y, width, height = box
    cw, ch = canvas_size(state_type)
    return {"x": _tidy(x + width / 2 - cw / 2), "y": _tidy(y + height / 2 - ch / 2)}


def positions(document: dict[str, Any]) -> dict[str, dict[str, float]]:
    """The stored layout, with a layered place (column = distance from the start) for every
    state it lacks, below whatever is already placed."""
    stored = document.get("layout") or {}
    states = [s["id"] for s in document.get("states", [])]
    placed = {sid: dict(stored[sid]) for sid in states if sid in stored}
    missing = [sid for sid in states if sid not in placed]
    if not missing:
        return placed
    top = max((p["y"] for p in placed.values()), default=-ROW_PX) + ROW_PX
    columns = _columns(document)
    rows: dict[int, int] = {}
    for sid in missing:
        column = columns.get(sid, max(columns.values(), default=0) + 1)
        row = rows.get(column, 0)
        rows[column] = row + 1
        placed[sid] = {"x": column * COLUMN_PX, "y": top + row * ROW_PX}
    return placed


def _columns(document: dict[str, Any]) -> dict[str, int]:
    """Breadth-first distance of each state from the start state."""
    following: dict[str, list[str]] = {}
    for transition in document.get("transitions", []):
        following.setdefault(transition["from"], []).append(transition["to"])
    start = next((s["id"] for s in document.get("states", []) if s["type"] == "start"), None)
    columns = {start: 0} if start else {}
    queue = deque(columns)
    while queue:
        current = queue.popleft()
        for nxt in following.get(current, []):
            if nxt not in columns:
                columns[nxt] = columns[current] + 1
                queue.append(nxt)
    return columns


def _tidy(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 2)
