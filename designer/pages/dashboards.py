"""The Dashboards pages: `/dashboards` across processes, `/dashboards/{key}` per process.

Both need `dashboards.read` (managers, admins); they read the analytics aggregates only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import ui

from designer.auth import WebAuth
from designer.components.dashboard_charts import tag
from designer.components.shell import page_frame
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
            DashboardView(engine, may_read).build()

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
            DashboardView(engine, may_read, key, versions).build()
