"""The history timeline of one instance: every event with actor, time and payload.

Sensitive variables are masked (SPEC §2), exactly as the REST API masks them. Clicking an
event asks the page to show the graph as it was right after it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from nicegui import ui

from designer.components.instance_status import testid
from runtime.core.events import Event
from shared.sensitivity import masked

SHOWN = 300
TROUBLE_TYPES = {"action_failed", "incident", "compensation_failed"}


def describe(event: Event) -> str:
    """One line saying what happened, for the timeline's title."""
    data = event.data
    if event.type == "transition":
        via = f" on {data['event']}" if data.get("event") else ""
        return f"{data.get('from') or 'start'} → {data.get('to')}{via}"
    if event.type == "moved":
        return f"moved {data.get('from')} → {data.get('to')}"
    if event.type == "action_failed":
        retry = f", retry at {data['retry_at'][:19]}" if data.get("retry_at") else ", final"
        return f"{data.get('action')} failed (attempt {data.get('attempt')}{retry})"
    if event.type == "incident":
        return f"incident: {data.get('reason')}"
    if event.type == "dlp_flagged":
        found = ", ".join(f"{f.get('variable')} ({f.get('kind')})" for f in data["findings"])
        return f"DLP {data.get('action')}: {found}"
    return event.type.replace("_", " ")


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
                with ui.row().classes("w-full justify-between items-baseline gap-2"):
                    ui.label(f"#{event.seq} {describe(event)}").classes("text-sm font-medium")
                    ui.label(f"{event.at:%Y-%m-%d %H:%M:%S} · {event.actor or 'system'}").classes(
                        "text-xs text-slate-600"
                    )
                payload = masked(event.data, sensitive)
                if payload:
                    ui.label(json.dumps(payload, ensure_ascii=False, default=str)[:400]).classes(
                        "text-xs font-mono text-slate-600 break-all"
                    )
        if len(events) > SHOWN:
            ui.label(
                f"{len(events) - SHOWN} older events are not listed here; the REST history "
                "(GET /api/v1/instances/{id}/history) has them all."
            ).classes("text-xs text-slate-600").mark("older-events")
