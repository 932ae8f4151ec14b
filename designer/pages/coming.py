"""Placeholders for navigation entries whose pages other parts of Statewright will provide.

Remove an entry here when its real page is registered, so the route has one owner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import ui

from designer.auth import WebAuth
from designer.components.shell import coming_soon, page_frame

if TYPE_CHECKING:
    from runtime import Engine

# path: (title, what it will show, the permission it will need)
COMING_PAGES = {
    "/instances": ("Instances", "Live instance graphs and operator actions.", "instances.read"),
    "/tasks": ("Tasks", "The inbox of human tasks for your roles.", "tasks.work"),
    "/dashboards": ("Dashboards", "Bottlenecks, SLAs and throughput.", "dashboards.read"),
    "/admin": ("Admin", "Users, roles, API keys and retention.", "admin.users"),
}


def register(engine: Engine, auth: WebAuth) -> None:
    for path, (title, what, permission) in COMING_PAGES.items():

        def page(path: str = path, title: str = title, what: str = what, needs: str = permission):
            with page_frame(title, user=auth.username()):
                if auth.require(needs, path) is None:
                    return
                coming_soon(title, what)

        ui.page(path)(page)
