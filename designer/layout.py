"""Automatic placement for states that have no position yet (imports, new drafts).

Left to right by distance from the start state, so a freshly imported process reads like
the flow it describes; states the start cannot reach go in a last column.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from designer.state_styles import STATE_STYLES

COLUMN_PX = 260
ROW_PX = 120
# Box shapes are 180 px wide and round ones 56 px (assets/src/canvas.css): centring the round
# ones in their column keeps the gaps between neighbours even.
ROUND_SHAPE_INDENT_PX = (180 - 56) // 2


def auto_layout(doc: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Positions for every state: the stored layout where present, computed ones elsewhere."""
    states = [s for s in doc.get("states", []) if isinstance(s, dict) and s.get("id")]
    stored = doc.get("layout") or {}
    graph = nx.DiGraph()
    graph.add_nodes_from(s["id"] for s in states)
    graph.add_edges_from(
        (t.get("from"), t.get("to"))
        for t in doc.get("transitions", [])
        if t.get("from") in graph and t.get("to") in graph
    )
    starts = [s["id"] for s in states if s.get("type") == "start"]
    depth: dict[str, int] = (
        nx.single_source_shortest_path_length(graph, starts[0]) if starts else {}
    )
    last_column = max(depth.values(), default=-1) + 1
    rows: dict[int, int] = {}
    positions: dict[str, dict[str, float]] = {}
    for state in states:
        state_id = state["id"]
        if state_id in stored:
            positions[state_id] = {"x": stored[state_id]["x"], "y": stored[state_id]["y"]}
            continue
        column = depth.get(state_id, last_column)
        row = rows.get(column, 0)
        rows[column] = row + 1
        style = STATE_STYLES.get(str(state.get("type")))
        indent = ROUND_SHAPE_INDENT_PX if style and style.shape in ("circle", "diamond") else 0
        positions[state_id] = {"x": column * COLUMN_PX + indent, "y": row * ROW_PX}
    return positions


def free_spot(doc: dict[str, Any]) -> dict[str, float]:
    """Where a state added by click (not dropped) goes: below everything already placed."""
    placed = auto_layout(doc).values()
    if not placed:
        return {"x": 0, "y": 0}
    return {"x": min(p["x"] for p in placed), "y": max(p["y"] for p in placed) + ROW_PX}
