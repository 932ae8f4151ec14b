"""Automatic placement: a layered left-to-right layout for imports and the Arrange button.

Layers come from the longest path through the graph of strongly connected components, so a
loop cannot make the layering impossible; inside a loop states follow each other by distance
from where the loop is entered. A few barycenter sweeps then order each layer to reduce edge
crossings. States the start cannot reach go in columns after everything it can reach.
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
ORDERING_SWEEPS = 4


def state_graph(doc: dict[str, Any]) -> nx.DiGraph:
    """States as nodes (in document order) and transitions between known states as edges."""
    graph = nx.DiGraph()
    graph.add_nodes_from(
        s["id"] for s in doc.get("states", []) if isinstance(s, dict) and s.get("id")
    )
    graph.add_edges_from(
        (t.get("from"), t.get("to"))
        for t in doc.get("transitions", [])
        if isinstance(t, dict) and t.get("from") in graph and t.get("to") in graph
    )
    return graph


def _layers(graph: nx.DiGraph, first: int) -> dict[str, int]:
    """Longest-path layers over the condensation, loops spread by distance from their entry."""
    condensed = nx.condensation(graph)
    position = {node: index for index, node in enumerate(graph)}
    base: dict[int, int] = {}
    layer: dict[str, int] = {}
    for component in nx.topological_sort(condensed):
        members = condensed.nodes[component]["members"]
        base[component] = max(
            (base[p] + condensed.nodes[p]["width"] for p in condensed.predecessors(component)),
            default=first,
        )
        inside = graph.subgraph(members)
        ordered = sorted(members, key=position.__getitem__)
        entries = [
            m for m in ordered if any(p not in members for p in graph.predecessors(m))
        ] or ordered[:1]
        depth = nx.multi_source_dijkstra_path_length(inside, entries, weight=lambda *_: 1)
        for member in members:
            layer[member] = base[component] + depth.get(member, 0)
        condensed.nodes[component]["width"] = max(depth.values(), default=0) + 1
    return layer


def _order(graph: nx.DiGraph, layer: dict[str, int]) -> list[list[str]]:
    """Nodes per layer, reordered by the mean position of their neighbours in earlier layers
    (downward sweeps) and later layers (upward sweeps)."""
    columns: list[list[str]] = [[] for _ in range(max(layer.values(), default=-1) + 1)]
    for node in graph:
        columns[layer[node]].append(node)
    rank = {node: i for column in columns for i, node in enumerate(column)}

    def barycenter(node: str, neighbours: list[str]) -> float:
        return sum(rank[n] for n in neighbours) / len(neighbours) if neighbours else rank[node]

    for sweep in range(ORDERING_SWEEPS):
        downward = sweep % 2 == 0
        for column in columns if downward else reversed(columns):
            here = layer[column[0]] if column else 0
            column.sort(
                key=lambda n: barycenter(
                    n,
                    [
                        m
                        for m in nx.all_neighbors(graph, n)
                        if (layer[m] < here if downward else layer[m] > here)
                    ],
                )
            )
            rank.update({node: i for i, node in enumerate(column)})
    return columns


def arrange(doc: dict[str, Any]) -> dict[str, dict[str, float]]:
    """A fresh position for every state, ignoring the stored layout."""
    graph = state_graph(doc)
    types = {s["id"]: s.get("type") for s in doc.get("states", []) if s.get("id") in graph}
    starts = [node for node, kind in types.items() if kind == "start"]
    reachable = set(nx.descendants(graph, starts[0])) | {starts[0]} if starts else set(graph)
    # Copies, not views: views re-filter every neighbour lookup, quadratic on large graphs.
    layer = _layers(graph.subgraph(n for n in graph if n in reachable).copy(), 0)
    rest = graph.subgraph(n for n in graph if n not in reachable).copy()
    layer.update(_layers(rest, max(layer.values(), default=-1) + 1))
    columns = _order(graph, layer)
    tallest = max((len(c) for c in columns), default=0)
    positions: dict[str, dict[str, float]] = {}
    for index, column in enumerate(columns):
        top = (tallest - len(column)) * ROW_PX / 2
        for row, node in enumerate(column):
            style = STATE_STYLES.get(str(types.get(node)))
            indent = ROUND_SHAPE_INDENT_PX if style and style.shape in ("circle", "diamond") else 0
            positions[node] = {"x": index * COLUMN_PX + indent, "y": top + row * ROW_PX}
    return positions


def auto_layout(doc: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Positions for every state: arranged when nothing is placed yet; otherwise the stored
    layout, with states lacking a position put by distance from the start."""
    stored = doc.get("layout") or {}
    graph = state_graph(doc)
    if not any(node in stored for node in graph):
        return arrange(doc)
    states = [s for s in doc.get("states", []) if isinstance(s, dict) and s.get("id")]
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


def free_spot(doc: dict[str, Any], beside: str | None = None) -> dict[str, float]:
    """Where a state added by click (not dropped) goes: right of the state `beside` (the
    selected one), the first free row there; else below everything already placed."""
    positions = auto_layout(doc)
    placed = positions.values()
    if not placed:
        return {"x": 0, "y": 0}
    anchor = positions.get(beside or "")
    if anchor is None:
        return {"x": min(p["x"] for p in placed), "y": max(p["y"] for p in placed) + ROW_PX}
    x, y = anchor["x"] + COLUMN_PX, anchor["y"]

    def taken(top: float) -> bool:
        return any(abs(p["x"] - x) < COLUMN_PX * 0.8 and abs(p["y"] - top) < ROW_PX * 0.8
                   for p in placed)

    while taken(y):
        y += ROW_PX
    return {"x": x, "y": y}
