"""A published version, read-only: the graph as it was published, with who and when."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from nicegui import ui

from designer.auth import WebAuth
from designer.components.canvas import ProcessCanvas
from designer.components.shell import page_frame
from designer.draft import Draft
from runtime import NotFound

if TYPE_CHECKING:
    from runtime import Engine


def register(engine: Engine, auth: WebAuth) -> None:
    @ui.page("/processes/{key}/versions/{number}")
    def version_page(key: str, number: str) -> None:
        with page_frame(
            "Processes", user=auth.username(), full_width=True,
            title=f"{key} version {number}",
        ):
            if auth.require("definitions.read", f"/processes/{key}/versions/{number}") is None:
                return
            try:
                record = engine.version(key, int(number))
            except (NotFound, ValueError):
                ui.label(f"Process {key!r} has no published version {number!r}.").classes("text-lg")
                ui.link("Back to Processes", "/processes")
                return
            with ui.row().classes("w-full items-center justify-between"):
                with ui.column().classes("gap-0"):
                    ui.label(f"{record.name or key} — version {record.version}").classes(
                        "text-xl font-semibold"
                    ).mark("version-title")
                    published = (
                        record.published_at.strftime("%Y-%m-%d %H:%M UTC")
                        if (record.published_at)
                        else "unknown time"
                    )
                    ui.label(
                        f"published {published} by {record.published_by or 'unknown'}"
                    ).classes("text-xs text-slate-600")
                with ui.row().classes("items-center gap-2"):
                    if record.version > 1:
                        ui.link(
                            f"Compare with v{record.version - 1}",
                            f"/processes/{key}/diff?a={record.version - 1}&b={record.version}",
                        ).mark("compare-previous")
                    ui.button(
                        icon="download",
                        on_click=lambda: ui.download.content(
                            json.dumps(record.document, indent=2, ensure_ascii=False).encode(),
                            f"{key}-v{record.version}.json",
                            "application/json",
                        ),
                    ).props('flat dense aria-label="Export this version"').mark(
                        "export-version"
                    ).tooltip("Export this version")
                    ui.button(
                        "Open in Designer",
                        icon="draw",
                        on_click=lambda: ui.navigate.to(f"/designer/{key}"),
                    )
            published_graph = Draft(record.document)
            with ui.card().classes("w-full h-[calc(100vh-160px)] p-0"):
                canvas = ProcessCanvas(readonly=True).classes("w-full h-full").mark("canvas")
            canvas.set_graph(published_graph.canvas_nodes(), published_graph.canvas_edges(),
                             auto_layout=not published_graph.laid_out)
