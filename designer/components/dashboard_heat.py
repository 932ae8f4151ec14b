"""The bottleneck heat overlay for the process canvas: states coloured by median time spent
there, transitions drawn as wide as their traffic, with the numbers as badges."""

from __future__ import annotations

import math
from typing import Any

from designer.draft import transition_ref
from runtime.analytics.units import unit_for

COOL, HOT = (254, 243, 199), (220, 38, 38)  # amber-100 to red-600
MIN_WIDTH_PX, MAX_WIDTH_PX = 1.5, 12.0


def heat_overlay(document: dict[str, Any], time_in_state: list[dict[str, Any]],
                 transitions: list[dict[str, Any]]
                 ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """(states, transitions) for `ProcessCanvas.set_overlay`, for the graph of `document`.

    Colours follow the median on a log scale between the fastest and slowest state; every
    badge and hover shows its durations in one unit; a transition's count is matched by
    (from, to, event)."""
    medians = {r["state"]: r for r in time_in_state if r["p50"] is not None}
    unit = unit_for([r["p50"] for r in medians.values()])
    logs = [math.log1p(r["p50"]) for r in medians.values()]
    low, high = (min(logs), max(logs)) if logs else (0.0, 0.0)
    states = {}
    for state_id, row in medians.items():
        share = (math.log1p(row["p50"]) - low) / (high - low) if high > low else 1.0
        states[state_id] = {
            "fill": heat_colour(share), "badge": unit.show(row["p50"]),
            "title": f"{row['count']:,} visits · median {unit.show(row['p50'])} · "
                     f"p90 {unit.show(row['p90'])}"}
    taken = {(r["from"], r["to"], r["event"]): r["count"] for r in transitions}
    busiest = max(taken.values(), default=0)
    edges = {}
    for index, t in enumerate(document.get("transitions", [])):
        count = taken.get((t.get("from"), t.get("to"), t.get("on")), 0)
        if not count:
            continue
        width = MIN_WIDTH_PX + (MAX_WIDTH_PX - MIN_WIDTH_PX) * math.sqrt(count / busiest)
        edges[transition_ref(t, index)] = {"width": round(width, 1), "color": "#475569",
                                           "badge": f"{count:,}"}
    return states, edges


def heat_colour(share: float) -> str:
    """The heat colour of `share` in [0, 1], from cool amber to hot red."""
    r, g, b = (round(c + (h - c) * share) for c, h in zip(COOL, HOT, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"
