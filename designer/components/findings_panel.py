"""Validation findings: marks for the canvas and the clickable list beside it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

SEVERITY_ICONS = {"error": ("error", "text-red-600"), "warning": ("warning", "text-amber-600")}


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


def findings_list(findings: list[Any], on_pick: Callable[[Any], None]) -> None:
    """Errors first; clicking one selects and centres the element it names."""
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
    for finding in ordered:
        icon, colour = SEVERITY_ICONS.get(finding.severity, ("info", "text-slate-500"))
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
