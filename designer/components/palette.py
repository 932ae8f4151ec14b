"""The palette of state types: drag a chip onto the canvas, or click it to add at a free spot."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from designer.state_styles import STATE_STYLES

DRAG_TYPE = "application/x-statewright-state"


def state_palette(on_add: Callable[[str], None]) -> ui.column:
    """One draggable chip per state type; the canvas reads the type from the drag data."""
    with ui.column().classes("gap-2 w-full") as palette:
        ui.label("States").classes("text-xs font-semibold uppercase text-slate-600")
        for state_type, style in STATE_STYLES.items():
            chip = ui.element("div").classes(
                "sw-palette-item flex items-center gap-2 w-full px-2 py-1 rounded-md bg-white "
                "border border-slate-200 cursor-grab hover:border-slate-400 select-none"
            )
            chip.props(f'draggable=true data-state-type="{state_type}" title="{style.summary}"')
            chip.mark(f"palette-{state_type}")
            chip.on(
                "dragstart",
                js_handler=f"(e) => {{ e.dataTransfer.setData('{DRAG_TYPE}', '{state_type}'); "
                "e.dataTransfer.effectAllowed = 'copy'; }",
            )
            chip.on("click", lambda _, t=state_type: on_add(t))
            with chip:
                ui.icon(style.icon).style(f"color: {style.colour}").classes("text-xl")
                ui.label(style.label).classes("text-sm")
        ui.label("Drag onto the canvas or click to add.").classes("text-xs text-slate-500")
    return palette
