"""Side panels of the instance page: its variables, and the work it is waiting for.

Variables are shown masked where sensitive; editing them is the audited `set-vars` operator
action (the page passes `on_edit` only to operators). The work panel lists pending jobs
(actions with their retry time, timers, subprocess starts), the circuit breaker of the
current task's action, and the parent and child instances of subprocesses.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nicegui import ui

from designer.components.instance_status import testid
from runtime.core.views import Instance
from runtime.execution.breakers import group_of
from runtime.operations.queries import children, pending_jobs
from shared.sensitivity import MASK, masked

if TYPE_CHECKING:
    from runtime import Engine

BREAKER_COLOURS = {"closed": "green-9", "open": "red-9", "half-open": "brown-7"}


def variables_panel(
    inst: Instance, sensitive: frozenset[str], on_edit: Callable[[str, Any], None] | None
) -> None:
    """Name and value side by side, values left-aligned in one column (JSON, so `"5000"` and
    `5000` differ), an edit button after each for operators."""
    shown = masked(inst.variables, sensitive)
    with ui.column().classes("w-full gap-1").mark("variables").props(testid("variables")):
        if not shown:
            ui.label("No variables.").classes("text-slate-600 text-sm")
            return
        with ui.grid(columns="minmax(5rem, max-content) minmax(0, 1fr) auto").classes(
                "w-full gap-x-3 gap-y-1 items-center"):
            for name in sorted(shown):
                ui.label(name).classes("text-sm font-medium break-all")
                value = shown[name]
                text = value if value == MASK else json.dumps(value, ensure_ascii=False)
                label = (
                    ui.label(text)
                    .classes("text-sm font-mono text-left break-all")
                    .mark(f"variable-{name}")
                    .props(testid(f"variable-{name}"))
                )
                if name in sensitive:
                    label.classes("italic text-slate-500").tooltip("sensitive: masked")
                if on_edit is not None and name not in sensitive:
                    ui.button(icon="edit", on_click=lambda n=name, v=value: on_edit(n, v)).props(
                        f'flat dense round size=sm aria-label="Change {name}"'
                    ).mark(f"edit-{name}").props(testid(f"edit-{name}"))
                else:
                    ui.element("span")  # keeps the grid's rows aligned


def work_panel(engine: Engine, inst: Instance) -> None:
    with ui.column().classes("w-full gap-2").mark("work").props(testid("work")):
        _jobs(engine, inst)
        _breaker(engine, inst)
        _relatives(engine, inst)


def _jobs(engine: Engine, inst: Instance) -> None:
    ui.label("Pending work").classes("text-sm font-semibold")
    jobs = pending_jobs(engine, inst.id)
    if not jobs:
        ui.label("Nothing pending.").classes("text-sm text-slate-600")
    for job in jobs:
        what = job.payload.get("action") or job.payload.get("event") or job.kind
        when = f"{job.run_at:%Y-%m-%d %H:%M:%S}" if job.run_at else "now"
        retry = f" · attempt {job.attempt + 1}" if job.attempt else ""
        with ui.column().classes("w-full gap-0").mark("job").props(testid("job")):
            ui.label(f"{job.kind}: {what} — {job.state}, due {when}{retry}").classes("text-sm")
            if job.last_error:
                ui.label(f"last error: {job.last_error}").classes("text-xs text-red-600")


def _breaker(engine: Engine, inst: Instance) -> None:
    state = engine.definition(inst.definition, inst.version).state(inst.state or "")
    if state is None or state.type != "task" or not group_of(state):
        return
    breaker = engine.breakers.state(group_of(state))
    with ui.row().classes("items-center gap-2").mark("breaker").props(testid("breaker")):
        ui.label(f"Breaker {breaker.name}").classes("text-sm font-semibold")
        ui.badge(breaker.state, color=BREAKER_COLOURS.get(breaker.state, "grey-8"))
        if breaker.failures:
            ui.label(f"{breaker.failures} failure(s)").classes("text-xs text-slate-600")


def _relatives(engine: Engine, inst: Instance) -> None:
    kids = children(engine, inst.id)
    if inst.parent_id:
        with ui.row().classes("items-center gap-2"):
            ui.label("Parent").classes("text-sm font-semibold")
            ui.link(inst.parent_id[:8], f"/instances/{inst.parent_id}").classes(
                "font-mono text-sm"
            ).mark("parent-link").props(testid("parent-link"))
    if kids:
        ui.label("Subprocesses").classes("text-sm font-semibold")
        for kid in kids:
            with ui.row().classes("items-center gap-2"):
                ui.link(kid.id[:8], f"/instances/{kid.id}").classes("font-mono text-sm").mark(
                    "child-link"
                ).props(testid("child-link"))
                ui.label(f"{kid.definition} v{kid.version} · {kid.status} · {kid.state}").classes(
                    "text-xs text-slate-600"
                )
