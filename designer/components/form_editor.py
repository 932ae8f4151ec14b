"""The form of a human task: the fields a person fills in, merged into variables on completion."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

from shared.definition import VariableType

FIELD_TYPES = list(VariableType.__args__)


def form_editor(
    fields: list[dict[str, Any]], on_change: Callable[[list[dict[str, Any]]], None]
) -> None:
    """Rows of name, type and required; the whole list is reported on every change."""
    rows = [dict(field) for field in fields]

    def report() -> None:
        on_change([dict(row) for row in rows if row.get("name")])

    def set_value(row: dict[str, Any], key: str, value: Any) -> None:
        if value in (None, "", False):
            row.pop(key, None)
        else:
            row[key] = value
        report()

    def render() -> None:
        box.clear()
        with box:
            for index, row in enumerate(rows):
                with ui.row().classes("w-full items-center gap-1 flex-nowrap"):
                    ui.input(
                        value=row.get("name", ""),
                        placeholder="field",
                        on_change=lambda e, r=row: set_value(r, "name", (e.value or "").strip()),
                    ).props("dense").classes("grow").mark(f"form-name-{index}")
                    ui.select(
                        FIELD_TYPES,
                        value=row.get("type", "string"),
                        on_change=lambda e, r=row: set_value(r, "type", e.value),
                    ).props("dense").classes("w-24")
                    ui.checkbox(
                        "req.",
                        value=bool(row.get("required")),
                        on_change=lambda e, r=row: set_value(r, "required", e.value),
                    ).tooltip("Required")
                    ui.button(icon="close", on_click=lambda r=row: remove(r)).props(
                        'flat dense round aria-label="Remove the field"'
                    )

    def add() -> None:
        rows.append({"type": "string"})
        render()

    def remove(row: dict[str, Any]) -> None:
        rows.remove(row)
        report()
        render()

    with ui.row().classes("w-full items-center justify-between mt-1"):
        ui.label("Form").classes("text-sm font-semibold")
        ui.button(icon="add", on_click=add).props(
            'flat dense round aria-label="Add a field"'
        ).mark("form-add")
    box = ui.column().classes("w-full gap-1")
    render()
