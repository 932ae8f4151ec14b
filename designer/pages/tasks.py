"""The Tasks page (being built: replace this placeholder body)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import ui

from designer.auth import WebAuth
from designer.components.shell import coming_soon, page_frame

if TYPE_CHECKING:
    from runtime import Engine


def register(engine: Engine, auth: WebAuth) -> None:
    @ui.page("/tasks")
    def page() -> None:
        with page_frame("Tasks", user=auth.username()):
            if auth.require("tasks.work", "/tasks") is None:
                return
            coming_soon("Tasks", "The inbox of human tasks for your roles.")
