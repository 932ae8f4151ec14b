"""The process canvas element: a NiceGUI wrapper around the Vue Flow bundle built from `assets/`.

The graph travels to the browser as props (nodes, edges, findings); gestures come back as small
events (`moved`, `connected`, `deleted`, `selected`, `dropped`, `arranged`) so Python stays the
owner of the document and the browser only draws it. Layout is ELK's (assets/src/elkLayout.js),
run in the browser: positions for graphs without a stored layout and for the Arrange button,
edge routes and label places always.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from nicegui import events, ui

from designer.state_styles import styles_for_canvas

GRID_PX = 20
MOVE_THROTTLE_S = 0.2

Handler = Callable[[dict[str, Any]], Any]


class ProcessCanvas(
    ui.element,
    component="canvas.js",
    esm={"statewright-canvas": "dist"},
    default_classes="sw-canvas-host",
):
    """Vue Flow canvas showing one process graph; `readonly=True` for viewing instances."""

    def __init__(
        self,
        *,
        readonly: bool = False,
        on_move: Handler | None = None,
        on_connect: Handler | None = None,
        on_delete: Handler | None = None,
        on_select: Handler | None = None,
        on_drop: Handler | None = None,
        on_arrange: Handler | None = None,
    ) -> None:
        super().__init__()
        self._props["nodes"] = []
        self._props["edges"] = []
        self._props["findings"] = {"states": {}, "transitions": {}}
        self._props["styles"] = styles_for_canvas()
        self._props["readonly"] = readonly
        self._props["grid"] = GRID_PX
        self._props["highlight"] = {"states": {}, "transitions": {}}
        self._props["diff"] = {"states": {}, "transitions": {}}
        self._props["overlay"] = {"states": {}, "transitions": {}}
        self._props["autoLayout"] = False
        self._subscribe("moved", on_move, throttle=MOVE_THROTTLE_S)
        self._subscribe("connected", on_connect)
        self._subscribe("deleted", on_delete)
        self._subscribe("selected", on_select)
        self._subscribe("dropped", on_drop)
        self._subscribe("arranged", on_arrange)

    def _subscribe(self, event: str, handler: Handler | None, throttle: float = 0.0) -> None:
        if handler is None:
            return

        def forward(e: events.GenericEventArguments) -> Any:
            return handler(e.args if isinstance(e.args, dict) else {})

        self.on(event, forward, throttle=throttle)

    @property
    def nodes(self) -> list[dict[str, Any]]:
        return self._props["nodes"]

    @property
    def edges(self) -> list[dict[str, Any]]:
        return self._props["edges"]

    @property
    def findings(self) -> dict[str, dict[str, Any]]:
        return self._props["findings"]

    def set_graph(
        self,
        nodes: list[dict[str, Any]],
        edges: list[dict[str, Any]],
        *,
        auto_layout: bool | None = None,
    ) -> None:
        """Replace the whole graph (nodes: id, type, x, y, label, detail; edges: id, source,
        target, label). `auto_layout`: the positions are placeholders (nothing stored), the
        canvas places the states itself."""
        if auto_layout is not None:
            self._props["autoLayout"] = auto_layout
        self._props["nodes"] = nodes
        self._props["edges"] = edges
        self.update()

    def patch_graph(self, nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> None:
        """Show `nodes` and `edges` sending only what changed: the same ids in the same order
        become a small `patch` call; anything else (added, removed, renamed) a full redraw."""
        same_nodes = [n["id"] for n in nodes] == [n["id"] for n in self.nodes]
        same_edges = [e["id"] for e in edges] == [e["id"] for e in self.edges]
        if not (same_nodes and same_edges):
            self.set_graph(nodes, edges)
            return
        changed_nodes = [n for n, old in zip(nodes, self.nodes, strict=True) if n != old]
        changed_edges = [e for e, old in zip(edges, self.edges, strict=True) if e != old]
        with self._props.suspend_updates():  # the patch below is the update
            self._props["nodes"] = nodes
            self._props["edges"] = edges
        if (changed_nodes or changed_edges) and self.client.has_socket_connection:
            self.run_method("patch", changed_nodes, changed_edges)

    def set_findings(self, findings: dict[str, dict[str, Any]]) -> None:
        """Marks per element: `{"states": {id: {severity, messages}}, "transitions": {...}}`.

        Sent on their own (not with the whole graph) and only when they changed."""
        if findings == self.findings:
            return
        if not self.client.has_socket_connection:  # the page's first render carries them
            self._props["findings"] = findings
            return
        with self._props.suspend_updates():
            self._props["findings"] = findings
        self.run_method("setFindings", findings)

    def set_highlight(
        self,
        current: Sequence[str],
        visited: Sequence[str] = (),
        taken: Sequence[str] = (),
    ) -> None:
        """For instance views: pulse the `current` states, tint `visited` ones, and draw `taken`
        transitions (by id or `t<index>`) in blue."""
        states = {state_id: "visited" for state_id in visited}
        states.update({state_id: "current" for state_id in current})
        self._props["highlight"] = {
            "states": states,
            "transitions": {ref: "taken" for ref in taken},
        }
        self.update()

    def set_diff(self, states: dict[str, str], transitions: dict[str, str]) -> None:
        """For version diffs: colour states and transitions (by edge id) by their status,
        "added", "removed", "changed" or "unchanged"."""
        self._props["diff"] = {"states": states, "transitions": transitions}
        self.update()

    def set_overlay(
        self,
        states: dict[str, dict[str, Any]] | None = None,
        transitions: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        """Paint numbers on the graph (instance paths, dashboard heat); empty clears it.

        States by id: `fill` (CSS colour), `badge` (short text), `mark` ("failed" or
        "retrying"), `title` (tooltip). Transitions by edge id: `width` (px), `color`, `badge`
        (shown after the edge's label)."""
        overlay = {"states": states or {}, "transitions": transitions or {}}
        if overlay != self._props["overlay"]:
            self._props["overlay"] = overlay
            self.update()

    def set_readonly(self, readonly: bool) -> None:
        self._props["readonly"] = readonly
        self.update()

    def focus(self, element_id: str) -> None:
        """Select a state or transition and centre the view on it."""
        self.run_method("focus", element_id)

    def fit(self) -> None:
        """The whole graph if it fits at a readable zoom, else a readable part of it."""
        self.run_method("fit")

    def arrange(self) -> None:
        """Lay the graph out anew with ELK; the positions come back as an `arranged` event."""
        self.run_method("arrange")

    def set_auto_layout(self, auto_layout: bool) -> None:
        if self._props["autoLayout"] != auto_layout:
            self._props["autoLayout"] = auto_layout
            self.update()
