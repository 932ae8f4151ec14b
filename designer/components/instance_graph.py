"""An instance drawn on its definition's graph: current state, the path taken, failures.

The numbers come from `runtime.core.instance_path.path_at` (the event log), so the same drawing
shows the instance now or at any earlier event (time travel).
"""

from __future__ import annotations

from typing import Any

from designer.components.canvas import ProcessCanvas
from designer.components.instance_status import testid
from designer.draft import Draft
from runtime.core.instance_path import PathView

FAILED_FILL = "#fee2e2"
RETRYING_FILL = "#fef3c7"
PATH_COLOUR = "#2563eb"
MAX_EDGE_PX = 8


def overlay_of(path: PathView) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Canvas overlay for `path`: visit counts on states, widths and counts on edges."""
    states: dict[str, dict[str, Any]] = {
        state: {"badge": str(count), "title": f"entered {count} time(s)"}
        for state, count in path.visits.items()
    }
    for state, until in path.retrying.items():
        states[state] = {
            **states.get(state, {}),
            "mark": "retrying",
            "fill": RETRYING_FILL,
            "title": f"action failed; next attempt at {until}",
        }
    for state, why in path.failed.items():
        states[state] = {
            **states.get(state, {}),
            "mark": "failed",
            "fill": FAILED_FILL,
            "title": why,
        }
    edges = {
        ref: {"width": min(2 + count, MAX_EDGE_PX), "color": PATH_COLOUR, "badge": f"x{count}"}
        for ref, count in path.taken.items()
    }
    return states, edges


class InstanceGraph:
    """A read-only canvas of one definition version that paints a `PathView`."""

    def __init__(self, document: dict[str, Any], on_pick: Any = None) -> None:
        graph = Draft(document)
        self.canvas = (
            ProcessCanvas(readonly=True, on_select=on_pick)
            .classes("w-full h-full")
            .mark("instance-canvas")
            .props(testid("instance-canvas"))
        )
        self.canvas.set_graph(
            graph.canvas_nodes(), graph.canvas_edges(), auto_layout=not graph.laid_out
        )

    def show(self, path: PathView) -> None:
        # Every parallel branch's state pulses, not only the instance's own.
        current = (
            list(path.active or [path.state])
            if path.state and path.status in ("running", "suspended", "incident")
            else []
        )
        self.canvas.set_highlight(current, visited=list(path.visits), taken=list(path.taken))
        self.canvas.set_overlay(*overlay_of(path))
