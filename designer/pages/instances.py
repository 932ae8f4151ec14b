"""The Instances page (being built: replace this placeholder body)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import ui

from designer.auth import WebAuth
from designer.components.shell import coming_soon, page_frame

if TYPE_CHECKING:
    from runtime import Engine


def register(engine: Engine, auth: WebAuth) -> None:
    @ui.page("/instances")
    def page() -> None:
        with page_frame("Instances", user=auth.username()):
            if auth.require("instances.read", "/instances") is None:
                return
            coming_soon("Instances", "Live instance graphs and operator actions.")
