"""The Admin page (being built: replace this placeholder body)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import ui

from designer.auth import WebAuth
from designer.components.shell import coming_soon, page_frame

if TYPE_CHECKING:
    from runtime import Engine


def register(engine: Engine, auth: WebAuth) -> None:
    @ui.page("/admin")
    def page() -> None:
        with page_frame("Admin", user=auth.username()):
            if auth.require("admin.users", "/admin") is None:
                return
            coming_soon("Admin", "Users, roles, API keys and retention.")
