"""The Dashboards pages: `/dashboards` across processes (and the fleet's capacity),
`/dashboards/{key}` per process (and its versions compared).

Both need `dashboards.read` (managers, admins); they read the analytics aggregates only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import ui

from designer.auth import WebAuth
from designer.components.dashboard_charts import tag
from designer.components.shell import page_frame
from designer.pages.capacity_view import CapacityView, VersionsView
from designer.pages.dashboard_view import DashboardView
from runtime import NotFound

if TYPE_CHECKING:
    from runtime import Engine

PERMISSION = "dashboards.read"


def register(engine: Engine, auth: WebAuth) -> None:
    def may_read() -> bool:
        principal = auth.principal()
        return principal is not None and principal.can(PERMISSION)

    @ui.page("/dashboards")
    def overview() -> None:
        with page_frame("Dashboards", user=auth.username(), full_width=True):
            if auth.require(PERMISSION, "/dashboards") is None:
                return
            with ui.tabs().classes("w-full") as tabs:
                processes = tag(ui.tab("Processes"), "tab-processes")
                capacity = tag(ui.tab("Capacity"), "tab-capacity")
            with ui.tab_panels(tabs, value=processes).classes("w-full bg-transparent"):
                with ui.tab_panel(processes).classes("p-0 gap-4"):
                    DashboardView(engine, may_read).build()
                with ui.tab_panel(capacity).classes("p-0 gap-4"):
                    CapacityView(engine, may_read).build()

    @ui.page("/dashboards/{key}")
    def per_process(key: str) -> None:
        with page_frame("Dashboards", user=auth.username(), full_width=True):
            if auth.require(PERMISSION, f"/dashboards/{key}") is None:
                return
            try:
                versions = engine.versions(key)
            except NotFound:
                versions = []
            if not versions:
                tag(ui.label(f"No published process has the key {key!r}.").classes("text-lg"),
                    "unknown-process")
                ui.link("All dashboards", "/dashboards")
                return
            with ui.tabs().classes("w-full") as tabs:
                board = tag(ui.tab("Dashboard"), "tab-dashboard")
                compared = tag(ui.tab("Versions"), "tab-versions")
            with ui.tab_panels(tabs, value=board).classes("w-full bg-transparent"):
                with ui.tab_panel(board).classes("p-0 gap-4"):
                    DashboardView(engine, may_read, key, versions).build()
                with ui.tab_panel(compared).classes("p-0 gap-4"):
                    VersionsView(engine, key, [v.version for v in versions]).build()
