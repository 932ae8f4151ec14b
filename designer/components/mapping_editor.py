"""An editable list of name → CEL expression pairs: a transition's `set`, a subprocess's `input`.

Rows are kept here while the user types, and the whole mapping is reported on every change
(rows without a name are left out), so the draft never holds half a row.
"""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui


def mapping_editor(
    title: str,
    mapping: dict[str, str],
    on_change: Callable[[dict[str, str]], None],
    *,
    marker: str,
    expression_hint: str = "CEL expression",
) -> None:
    rows: list[list[str]] = [[name, expression] for name, expression in mapping.items()]

    def report() -> None:
        on_change({name.strip(): expr for name, expr in rows if name.strip()})

    def set_cell(row: list[str], column: int, value: str) -> None:
        row[column] = value or ""
        report()

    def render() -> None:
        box.clear()
        with box:
            _rows()

    def _rows() -> None:
        for index, row in enumerate(rows):
            with ui.row().classes("w-full items-center gap-1 flex-nowrap"):
                ui.input(
                    value=row[0],
                    placeholder="variable",
                    on_change=lambda e, r=row: set_cell(r, 0, e.value),
                ).props("dense").classes("w-24").mark(f"{marker}-name-{index}")
                ui.input(
                    value=row[1],
                    placeholder=expression_hint,
                    on_change=lambda e, r=row: set_cell(r, 1, e.value),
                ).props("dense").classes("grow font-mono").mark(f"{marker}-expression-{index}")
                ui.button(icon="close", on_click=lambda r=row: remove(r)).props(
                    'flat dense round aria-label="Remove the mapping"'
                )

    def add() -> None:
        rows.append(["", ""])
        render()

    def remove(row: list[str]) -> None:
        rows.remove(row)
        report()
        render()

    with ui.row().classes("w-full items-center justify-between mt-1"):
        ui.label(title).classes("text-sm font-semibold")
        ui.button(icon="add", on_click=add).props(
            'flat dense round aria-label="Add a mapping"'
        ).mark(f"{marker}-add")
    box = ui.column().classes("w-full gap-1")
    render()
