"""The process's own properties, shown when nothing is selected: name, SLA, calendars,
schedule, variables.

Declaring variables here is how an analyst answers `unknown-variable` warnings from guards.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

from designer.components.calendar_editor import calendar_editor
from designer.components.properties import duration_input
from shared.definition import VariableType

VARIABLE_TYPES = list(VariableType.__args__)


def process_properties(
    document: dict[str, Any],
    on_change: Callable[[str, Any], None],
    on_variable_change: Callable[[int, str, Any], None],
    on_add_variable: Callable[[], None],
    on_remove_variable: Callable[[int], None],
) -> None:
    ui.label("Process").classes("text-base font-semibold")
    ui.label("Select a state or transition to edit it.").classes("text-xs text-slate-600")
    ui.input(
        "Name", value=document.get("name") or "", on_change=lambda e: on_change("name", e.value)
    ).mark("field-process-name").classes("w-full")
    duration_input(
        "Process SLA", document.get("sla_s"), lambda seconds: on_change("sla_s", seconds)
    ).mark("field-process-sla").classes("w-full")
    ui.input(
        "Calendar (SLAs in working time)",
        value=document.get("calendar") or "",
        autocomplete=sorted(document.get("calendars") or {}),
        on_change=lambda e: on_change("calendar", (e.value or "").strip()),
    ).mark("field-process-calendar").classes("w-full").tooltip(
        "One of the calendars below (docs/calendars.md)")
    ui.input(
        "Schedule (cron)",
        value=document.get("schedule") or "",
        placeholder="0 9 * * MON-FRI",
        on_change=lambda e: on_change("schedule", (e.value or "").strip()),
    ).mark("field-process-schedule").classes("w-full")
    calendar_editor(document, on_change)
    with ui.row().classes("w-full items-center justify-between mt-2"):
        ui.label("Variables").classes("text-sm font-semibold")
        ui.button(icon="add", on_click=on_add_variable).props(
            'flat dense round aria-label="Declare a variable" data-testid="add-variable"'
        ).mark("add-variable").tooltip("Declare a variable")
    for index, variable in enumerate(document.get("variables", [])):
        with ui.row().classes("w-full items-center gap-1 flex-nowrap"):
            ui.input(
                value=variable.get("name", ""),
                on_change=lambda e, i=index: on_variable_change(i, "name", (e.value or "").strip()),
            ).props(
                f'dense aria-label="Variable name" data-testid="variable-name-{index}"'
            ).classes("grow").mark(
                f"variable-name-{index}"
            )
            ui.select(
                VARIABLE_TYPES,
                value=variable.get("type", "string"),
                on_change=lambda e, i=index: on_variable_change(i, "type", e.value),
            ).props(
                f'dense aria-label="Variable type" data-testid="variable-type-{index}"'
            ).classes("w-24")
            ui.checkbox(
                "secret",
                value=bool(variable.get("sensitive")),
                on_change=lambda e, i=index: on_variable_change(i, "sensitive", e.value),
            ).tooltip("Sensitive: encrypted at rest and masked")
            ui.button(icon="delete", on_click=lambda i=index: on_remove_variable(i)).props(
                'flat dense round aria-label="Remove the variable"'
            )
