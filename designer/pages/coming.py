"""Placeholders for navigation entries whose pages other parts of Statewright will provide.

Remove an entry here when its real page is registered, so the route has one owner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import ui

from designer.auth import WebAuth
from designer.components.shell import coming_soon

if TYPE_CHECKING:
    from runtime import Engine

COMING_PAGES = {
    "/instances": ("Instances", "Live instance graphs and operator actions."),
    "/tasks": ("Tasks", "The inbox of human tasks for your roles."),
    "/dashboards": ("Dashboards", "Bottlenecks, SLAs and throughput."),
    "/admin": ("Admin", "Users, roles, API keys and retention."),
}


def register(engine: Engine, auth: WebAuth) -> None:
    for path, (title, what) in COMING_PAGES.items():

        def page(title: str = title, what: str = what) -> None:
            coming_soon(title, what, auth.username())

        ui.page(path)(page)
