"""The designer's Simulate panel: play a draft as a token (start variables, then a button per
event or outcome), see the guards with their values, the path and the variables, and the
current state highlighted on the canvas. Nothing is stored: it is `runtime.modelling`."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from nicegui import ui

from runtime.core.errors import EngineError
from runtime.definitions import checked_definition
from runtime.modelling.simulation import Simulation

if TYPE_CHECKING:
    from designer.components.canvas import ProcessCanvas

_EXAMPLES = {"string": "", "number": 0, "integer": 0, "boolean": False, "date": "2025-01-31",
             "datetime": "2025-01-31T09:00:00+00:00", "object": {}, "array": []}


def start_template(document: dict[str, Any]) -> str:
    """Start variables to edit: every declared variable with its default or an example."""
    values = {v["name"]: v.get("default", _EXAMPLES.get(v.get("type", "string"), ""))
              for v in document.get("variables") or [] if isinstance(v, dict) and "name" in v}
    return json.dumps(values, indent=1)


def shown_path(sim: Simulation) -> list[str]:
    """The path as read: each branch enters its join, but the join is passed once."""
    path = sim.path
    return [s for i, s in enumerate(path) if not (
        i and s == path[i - 1] and getattr(sim.definition.state(s), "type", "") == "join")]


class SimulationPanel:
    """Built inside a card; `document()` gives the current draft, `canvas()` the canvas."""

    def __init__(self, document: Any, canvas: Any) -> None:
        self.document, self.canvas = document, canvas
        self.sim: Simulation | None = None
        # a fixed height: autogrow measures the text while the folded panel hides it (0 px)
        self.variables = ui.textarea("Start variables (JSON)", value=start_template(document())
                                     ).props('dense outlined rows=10 data-testid="sim-vars"'
                                             ).classes("w-full font-mono text-xs")
        with ui.row().classes("gap-1"):
            ui.button("Play", icon="play_arrow", on_click=self.play).props(
                'dense no-caps data-testid="sim-play"')
            ui.button("Reset", icon="stop", on_click=self.reset).props(
                'flat dense no-caps data-testid="sim-reset"')
        self.body = ui.column().classes("w-full gap-1").props('data-testid="sim-body"')

    def play(self) -> None:
        try:
            values = json.loads(self.variables.value or "{}")
            definition = checked_definition(self.document())
            self.sim = Simulation.start(definition, values, datetime.now(UTC))
        except json.JSONDecodeError as exc:
            return self._error(f"the start variables are not valid JSON: {exc}")
        except EngineError as exc:
            return self._error(exc.message)
        self.show()

    def reset(self) -> None:
        self.sim = None
        self.body.clear()
        self._canvas_highlight([], [], [])

    def choose(self, event: str, payload_text: str, state: str | None = None) -> None:
        assert self.sim is not None
        try:
            payload = json.loads(payload_text or "{}")
            self.sim.send(event, payload if isinstance(payload, dict) else {"value": payload},
                          state)
        except json.JSONDecodeError as exc:
            return self._error(f"the payload is not valid JSON: {exc}", keep=True)
        except EngineError as exc:
            return self._error(exc.message, keep=True)
        self.show()

    def show(self) -> None:
        sim = self.sim
        assert sim is not None
        self.body.clear()
        with self.body:
            where = ", ".join(sim.snapshot.active_states) or sim.state
            ui.label(f"{sim.snapshot.status} in {where}").classes(
                "text-sm font-semibold").props('data-testid="sim-status"')
            for join, count in Counter(b.state for b in sim.snapshot.branches
                                       if b.arrived).items():
                ui.label(f"{count} branch{'es' * (count > 1)} arrived at {join}, waiting for "
                         "the others").classes("text-xs text-slate-600").props(
                    'data-testid="sim-arrived"')
            ui.label(" → ".join(shown_path(sim))).classes(
                "text-xs text-slate-600 break-words").props('data-testid="sim-path"')
            self._choices(sim)
            self._guards(sim)
            ui.label("Variables").classes("text-xs font-semibold uppercase text-slate-600")
            ui.code(json.dumps(sim.snapshot.variables, indent=1, default=str),
                    language="json").classes("w-full text-xs").props('data-testid="sim-vars-now"')
        taken = [g.transition for s in sim.steps for g in s.guards if g.taken]
        self._canvas_highlight(sim.snapshot.active_states, sim.path, taken)

    def _choices(self, sim: Simulation) -> None:
        choices = sim.choices()
        if not choices:
            ui.label("The run has ended." if sim.finished else "Nothing can happen here."
                     ).classes("text-xs text-slate-600")
            return
        payload = ui.input("Payload (JSON, optional)").props("dense outlined").classes(
            "w-full font-mono text-xs").props('data-testid="sim-payload"')
        branches = len(sim.snapshot.active_states) > 1  # then each choice says where it happens
        with ui.row().classes("gap-1 flex-wrap"):
            for choice in choices:
                label = f"{choice.state} · {choice.event}" if branches else choice.event
                testid = f"{choice.state}-{choice.event}" if branches else choice.event
                ui.button(label, on_click=lambda c=choice: self.choose(
                    c.event, payload.value, c.state)).props(
                    f'dense no-caps outline data-testid="sim-choice-{testid}"').tooltip(
                    choice.kind)

    def _guards(self, sim: Simulation) -> None:
        checked = [g for g in sim.steps[-1].guards if g.when or g.default]
        if not checked:
            return
        ui.label("Guards of the last step").classes(
            "text-xs font-semibold uppercase text-slate-600")
        for g in checked:
            value = "default" if g.default else (g.error or json.dumps(g.value))
            read = ", ".join(f"{k}={json.dumps(v, default=str)}" for k, v in g.values.items())
            text = f"{g.source} → {g.target}: {g.when or ''} = {value}" if g.when else \
                f"{g.source} → {g.target}: {value}"
            ui.label(text + (f" ({read})" if read else "") + (" ✓" if g.taken else "")).classes(
                "text-xs font-mono " + ("text-blue-700" if g.taken else "text-slate-600")
            ).props('data-testid="sim-guard"')

    def _error(self, message: str, keep: bool = False) -> None:
        if not keep:
            self.body.clear()
        with self.body:
            ui.label(message).classes("text-xs text-red-700").props('data-testid="sim-error"')

    def _canvas_highlight(self, current: list[str], visited: list[str], taken: list[str]) -> None:
        canvas: ProcessCanvas | None = self.canvas()
        if canvas is not None:
            canvas.set_highlight(current, visited, taken)
