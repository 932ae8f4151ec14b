"""What-if in the designer: replay the published version's recorded instances against the
draft, as a table (one row per instance that would differ) and a heat overlay of where the
draft would send them, stuck states marked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nicegui import ui

from designer.components.dashboard_heat import heat_colour
from runtime.core.errors import EngineError
from runtime.modelling.whatif import whatif

if TYPE_CHECKING:
    from runtime import Engine


def whatif_overlay(found: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """States coloured by how many replayed instances the draft sends through them."""
    visits = found["states"]
    busiest = max(visits.values(), default=0)
    stuck_at = {r["diverged_at"] for r in found["instances"] if r["outcome"] == "stuck"}
    return {sid: {"fill": heat_colour(n / busiest), "badge": str(n),
                  "title": f"{n} of {found['replayed']} replayed instances pass here",
                  **({"mark": "failed"} if sid in stuck_at else {})}
            for sid, n in visits.items() if n}


class WhatIfPanel:
    def __init__(self, engine: Engine, document: Any, canvas: Any) -> None:
        self.engine, self.document, self.canvas = engine, document, canvas
        with ui.row().classes("gap-1 items-center"):
            self.last = ui.number("Last", value=100, min=1, max=10_000, format="%d").props(
                "dense outlined").classes("w-20")
            ui.button("What if?", icon="compare_arrows", on_click=self.run).props(
                'dense no-caps data-testid="whatif-run"').tooltip(
                "Replay the published version's instances against this draft")
            ui.button(icon="layers_clear", on_click=lambda: self._overlay({})).props(
                "flat dense").tooltip("Clear the overlay")
        self.body = ui.column().classes("w-full gap-1").props('data-testid="whatif-body"')

    def run(self) -> None:
        doc = self.document()
        self.body.clear()
        try:
            found = whatif(self.engine, doc, doc.get("key", ""), int(self.last.value or 100))
        except EngineError as exc:
            with self.body:
                ui.label(exc.message).classes("text-xs text-red-700").props(
                    'data-testid="whatif-error"')
            return
        with self.body:
            ui.label(f"{found['replayed']} replayed (v{found['version']}): "
                     f"{found['same_path']} same, {found['other_path']} other path, "
                     f"{found['stuck']} stuck").classes("text-xs font-semibold").props(
                'data-testid="whatif-summary"')
            rows = [{"id": r["id"][:8], "outcome": r["outcome"], "at": r["diverged_at"] or "",
                     "reason": r["reason"] or ""}
                    for r in found["instances"] if r["outcome"] != "same"]
            if rows:
                ui.table(columns=[{"name": k, "label": k, "field": k, "align": "left"}
                                  for k in ("id", "outcome", "at", "reason")],
                         rows=rows, row_key="id").props("dense flat wrap-cells").classes(
                    "w-full text-xs").props('data-testid="whatif-table"')
        self._overlay(whatif_overlay(found))

    def _overlay(self, states: dict[str, dict[str, Any]]) -> None:
        canvas = self.canvas()
        if canvas is not None:
            canvas.set_overlay(states, {})
