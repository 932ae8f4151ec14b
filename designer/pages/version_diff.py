"""Two published versions side by side in one graph: what was added, removed and changed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import ui

from designer.auth import WebAuth
from designer.components.canvas import ProcessCanvas
from designer.components.shell import page_frame
from designer.diff import ADDED, CHANGED, REMOVED, UNCHANGED, diff_documents
from runtime import NotFound

if TYPE_CHECKING:
    from runtime import Engine

LEGEND = {
    ADDED: ("#16a34a", "added"),
    REMOVED: ("#dc2626", "removed (dashed)"),
    CHANGED: ("#d97706", "changed"),
    UNCHANGED: ("#94a3b8", "unchanged"),
}


def register(engine: Engine, auth: WebAuth) -> None:
    @ui.page("/processes/{key}/diff")
    def diff_page(key: str, a: str = "", b: str = "") -> None:
        with page_frame(
            "Processes", user=auth.username(), full_width=True, title=f"Compare {key} versions"
        ):
            if auth.require("definitions.read", f"/processes/{key}/diff?a={a}&b={b}") is None:
                return
            try:
                old, new = engine.version(key, int(a)), engine.version(key, int(b))
            except (NotFound, ValueError):
                ui.label(
                    f"Process {key!r} has no published versions {a!r} and {b!r} to compare."
                ).classes("text-lg")
                ui.link("Back to Processes", "/processes")
                return
            diff = diff_documents(old.document, new.document)
            with ui.row().classes("w-full items-center justify-between"):
                ui.label(f"{new.name or key}: v{old.version} → v{new.version}").classes(
                    "text-xl font-semibold"
                ).mark("diff-title")
                with ui.row().classes("items-center gap-4").mark("diff-legend"):
                    for colour, text in LEGEND.values():
                        with ui.row().classes("items-center gap-1"):
                            ui.element("span").style(
                                f"display:inline-block;width:14px;height:14px;"
                                f"border-radius:3px;background:{colour}"
                            )
                            ui.label(text).classes("text-sm")
            with ui.row().classes("w-full gap-3 flex-nowrap items-stretch h-[calc(100vh-160px)]"):
                with ui.card().classes("grow p-0 min-w-0"):
                    canvas = (
                        ProcessCanvas(readonly=True).classes("w-full h-full").mark("diff-canvas")
                    )
                with ui.card().classes("w-80 shrink-0 gap-1 overflow-y-auto").mark("changes"):
                    ui.label("Changes").classes("text-xs font-semibold uppercase text-slate-600")
                    if not diff.changes:
                        ui.label("No change in meaning (layout only).").classes("text-sm")
                    for change in diff.changes:
                        colour = LEGEND[change.status][0]
                        text = f"{change.status} {change.kind} {change.ref}"
                        ui.label(text + (f": {change.detail}" if change.detail else "")).classes(
                            "text-sm"
                        ).style(f"color:{colour}").mark("change")
            canvas.set_graph(diff.nodes, diff.edges)
            canvas.set_diff(diff.states, diff.transitions)
