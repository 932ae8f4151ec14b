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
    def overview(view: str = "processes") -> None:
        with page_frame("Dashboards", user=auth.username(), full_width=True):
            if auth.require(PERMISSION, "/dashboards") is None:
                return
            shown = view_tabs("/dashboards", view, ("processes", "capacity"))
            if shown == "capacity":
                CapacityView(engine, may_read).build()
            else:
                DashboardView(engine, may_read).build()

    @ui.page("/dashboards/{key}")
    def per_process(key: str, view: str = "dashboard", time: str = "wall") -> None:
        with page_frame(
            "Dashboards", user=auth.username(), full_width=True, title=f"Dashboard: {key}"
        ):
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
            shown = view_tabs(f"/dashboards/{key}", view, ("dashboard", "versions"))
            if shown == "versions":
                VersionsView(engine, key, [v.version for v in versions]).build()
            else:
                DashboardView(engine, may_read, key, versions, clock=time).build()


def view_tabs(path: str, view: str, views: tuple[str, ...]) -> str:
    """Tabs as links (`?view=...`): each view is its own page load, so no chart is ever drawn
    in a hidden panel (plotly cannot size one) and a view can be bookmarked. Returns the view
    to show (the first for an unknown one)."""
    shown = view if view in views else views[0]
    with ui.row().classes("w-full justify-center gap-0 border-b border-slate-200"):
        for name in views:
            current = name == shown
            link = tag(ui.link(name.capitalize(), f"{path}?view={name}"), f"tab-{name}")
            link.classes("px-6 py-2 uppercase text-sm no-underline " + (
                "text-slate-900 border-b-2 border-slate-800 font-semibold" if current
                else "text-slate-600"))
    return shown
