"""The history timeline of one instance: every event as a sentence, with time and actor, and
its raw JSON behind an expander.

Variables the viewer may not see are masked (SPEC §2), exactly as the REST API masks them.
Clicking an event asks the page to show the graph as it was right after it; opening its raw
JSON does not.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from nicegui import ui

from designer.components.event_sentences import sentence
from designer.components.instance_status import testid
from runtime.core.events import Event
from shared.sensitivity import masked

SHOWN = 300
TROUBLE_TYPES = {"action_failed", "incident", "compensation_failed"}


def timeline(
    events: list[Event],
    sensitive: frozenset[str],
    selected: int | None,
    on_pick: Callable[[int], Any],
) -> None:
    """Newest first, the latest `SHOWN` of them; the `selected` event (time travel) is
    outlined. A long-running instance's whole log is in the REST history."""
    with ui.column().classes("w-full gap-1").mark("timeline").props(testid("timeline")):
        for event in reversed(events[-SHOWN:]):
            trouble = event.type in TROUBLE_TYPES
            colour = (
                "border-red-400 bg-red-50"
                if trouble
                else "border-amber-400 bg-amber-50"
                if "reason" in event.data  # an operator's act
                else "border-slate-200 bg-white"
            )
            outline = " ring-2 ring-blue-500" if event.seq == selected else ""
            with (
                ui.element("div")
                .classes(f"w-full border-l-4 {colour}{outline} rounded px-2 py-1 cursor-pointer")
                .mark(f"event-{event.seq}")
                .props(testid(f"event-{event.seq}"))
                .on("click", lambda _, s=event.seq: on_pick(s))
            ):
                ui.label(sentence(event, sensitive)).classes(
                    "text-sm font-medium break-words").mark(f"sentence-{event.seq}").props(
                    testid(f"sentence-{event.seq}"))
                ui.label(
                    f"#{event.seq} · {event.at:%Y-%m-%d %H:%M:%S} · {event.actor or 'system'}"
                ).classes("text-xs text-slate-600")
                _raw(event, sensitive)
        if len(events) > SHOWN:
            ui.label(
                f"{len(events) - SHOWN} older events are not listed here; the REST history "
                "(GET /api/v1/instances/{id}/history) has them all."
            ).classes("text-xs text-slate-600").mark("older-events")


def _raw(event: Event, sensitive: frozenset[str]) -> None:
    """The event as stored (masked), folded away: a click on it does not time-travel."""
    raw = {"type": event.type, "data": masked(event.data, sensitive)}
    with ui.element("details").classes("text-xs").on(
            "click", js_handler="(e) => e.stopPropagation()"):
        with ui.element("summary").classes("cursor-pointer text-slate-600 select-none").props(
                testid(f"raw-{event.seq}")).mark(f"raw-{event.seq}"):
            ui.label("Raw event").classes("inline")
        ui.label(json.dumps(raw, ensure_ascii=False, default=str, indent=1)).classes(
            "font-mono whitespace-pre-wrap break-all text-slate-700")
