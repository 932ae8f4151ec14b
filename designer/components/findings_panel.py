"""Validation findings: marks for the canvas and the clickable list beside it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

SEVERITY_ICONS = {"error": ("error", "text-red-600"), "warning": ("warning", "text-amber-600")}
# Each listed finding costs a handful of elements sent to the browser; a 300-state draft can
# have hundreds, so the list shows the first ones and a button for the rest.
FIRST_SHOWN = 20


def canvas_marks(findings: list[Any]) -> dict[str, dict[str, Any]]:
    """Per state and transition id: the worst severity and every message that names it."""
    marks: dict[str, dict[str, Any]] = {"states": {}, "transitions": {}}
    for finding in findings:
        for kind, ids in (("states", finding.states), ("transitions", finding.transitions)):
            for element_id in ids:
                mark = marks[kind].setdefault(element_id, {"severity": "warning", "messages": []})
                mark["messages"].append(f"{finding.code}: {finding.message}")
                if finding.severity == "error":
                    mark["severity"] = "error"
    return marks


def findings_signature(findings: list[Any]) -> list[tuple[Any, ...]]:
    """What the list shows, to skip redrawing it when an edit left the findings as they were."""
    return [
        (f.severity, f.code, f.message, tuple(f.states), tuple(f.transitions)) for f in findings
    ]


def findings_list(findings: list[Any], on_pick: Callable[[Any], None]) -> None:
    """Errors first; clicking one selects and centres the element it names. Beyond
    `FIRST_SHOWN` a "show N more" button lists the rest in place."""
    ordered = sorted(findings, key=lambda f: (f.severity != "error", f.code))
    if not ordered:
        with (
            ui.row()
            .classes("items-center gap-2 text-green-700")
            .mark("no-findings")
            .props('data-testid="no-findings"')
        ):
            ui.icon("check_circle")
            ui.label("No findings: ready to publish")
        return
    shown = ordered[:FIRST_SHOWN]
    for finding in shown:
        _finding_row(finding, on_pick)
    hidden = ordered[len(shown) :]
    if hidden:
        more = ui.row().classes("w-full")
        with more:

            def show_rest() -> None:
                more.clear()
                with more.classes("gap-1"):
                    for finding in hidden:
                        _finding_row(finding, on_pick)

            ui.button(f"show {len(hidden)} more", on_click=show_rest).props(
                'flat dense no-caps size=sm data-testid="more-findings"'
            ).mark("more-findings")


def _finding_row(finding: Any, on_pick: Callable[[Any], None]) -> None:
    icon, colour = SEVERITY_ICONS.get(finding.severity, ("info", "text-slate-600"))
    item = ui.row().classes(
        "sw-finding w-full items-start gap-2 p-2 rounded cursor-pointer hover:bg-slate-100 "
        "flex-nowrap"
    )
    item.props(f'data-code="{finding.code}" data-severity="{finding.severity}"')
    item.mark(f"finding {finding.code}")
    item.on("click", lambda _, f=finding: on_pick(f))
    with item:
        ui.icon(icon).classes(f"{colour} text-lg")
        with ui.column().classes("gap-0 min-w-0"):
            ui.label(finding.code).classes("text-xs font-mono font-semibold")
            ui.label(finding.message).classes("text-sm text-slate-700 break-words")
