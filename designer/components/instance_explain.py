"""The "Why?" panel of the instance page: `runtime.operations.explain` drawn for people.

How long the instance has been in its state against that state's usual p50/p95 (a bar that
turns red past the p95), what it waits for (one line per thing, with an icon), and its last
error with the error's class and what to do about it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import ui

from designer.components.instance_status import testid
from runtime.core.error_classes import REMEDIES
from runtime.operations.explain import Explanation, explain, short

if TYPE_CHECKING:
    from runtime import Engine

CLASS_COLOURS = {"transient": "brown-7", "timeout": "deep-orange-10", "breaker_open": "purple",
                 "bad_input": "blue-9", "permanent": "deep-orange-10", "bug": "red-9"}
WAIT_ICONS = {"event": "mail", "task": "person", "timer": "schedule", "job": "bolt",
              "breaker": "power_off", "bulkhead": "block", "child": "account_tree",
              "operator": "engineering"}


def class_badge(error_class: str) -> None:
    """The badge of an error class (also on the incidents view), its remedy as tooltip."""
    ui.badge(error_class.replace("_", " "), color=CLASS_COLOURS.get(error_class, "grey-8")).mark(
        f"class-{error_class}").props(testid(f"class-{error_class}")).tooltip(
        REMEDIES.get(error_class, ""))


def explain_panel(engine: Engine, instance_id: str) -> None:
    found = explain(engine, instance_id, engine.breakers)
    with ui.column().classes("w-full gap-3").mark("explain").props(testid("explain")):
        ui.label(found.summary).classes("text-sm").mark("explain-summary").props(
            testid("explain-summary"))
        _time_in_state(found)
        _waits(found)
        _last_error(found)


def _time_in_state(found: Explanation) -> None:
    if found.for_s is None:
        return
    usual = found.usual
    with ui.card().classes("w-full p-2 gap-1").mark("explain-time").props(
            testid("explain-time")):
        ui.label(f"In {found.instance.state} ({found.state_type}) for "
                 f"{short(found.for_s)}").classes("text-sm font-semibold")
        if usual is None or usual.p95_s is None:
            ui.label("No finished visit of this state yet to compare with.").classes(
                "text-xs text-slate-600")
            return
        slow = found.verdict.startswith("unusually")
        share = min(1.0, found.for_s / usual.p95_s) if usual.p95_s else 1.0
        ui.linear_progress(value=share, show_value=False, size="10px",
                           color="red" if slow else "primary").props(
            f'rounded aria-label="Time in state against its p95: {round(share * 100)}%"')
        ui.label(f"usually {short(usual.p50_s)} (p50), {short(usual.p95_s)} (p95) over "
                 f"{usual.visits} visits of {usual.scope}").classes("text-xs text-slate-600")
        ui.label(found.verdict).classes(
            "text-xs font-semibold " + ("text-red-700" if slow else "text-slate-700")).mark(
            "explain-verdict").props(testid("explain-verdict"))


def _waits(found: Explanation) -> None:
    ui.label("Waits for").classes("text-sm font-semibold")
    if not found.waits:
        ui.label("Nothing: it has finished.").classes("text-sm text-slate-600")
    for wait in found.waits:
        with ui.row().classes("w-full items-start gap-2 flex-nowrap").mark(
                f"wait-{wait.kind}").props(testid(f"wait-{wait.kind}")):
            ui.icon(WAIT_ICONS.get(wait.kind, "help")).classes("text-slate-600 mt-0.5")
            with ui.column().classes("gap-0"):
                ui.label(wait.summary).classes("text-sm")
                if wait.kind == "child":
                    kid = wait.details["id"]
                    ui.link(f"open {kid[:8]}", f"/instances/{kid}").classes("text-xs")


def _last_error(found: Explanation) -> None:
    error = found.last_error
    if error is None:
        return
    with ui.card().classes("w-full p-2 gap-1 bg-red-50").mark("explain-error").props(
            testid("explain-error")):
        with ui.row().classes("items-center gap-2"):
            ui.label("Last error").classes("text-sm font-semibold")
            class_badge(error.error_class)
            if error.action:
                ui.label(f"{error.action}, attempt {error.attempt}").classes(
                    "text-xs text-slate-600")
        ui.label(error.message).classes("text-xs font-mono break-all")
        ui.label(f"{error.at:%Y-%m-%d %H:%M:%S} UTC · what to do: "
                 f"{REMEDIES[error.error_class]}").classes("text-xs text-slate-600")
