"""The Statewright web app, mounted by `statewright serve` onto the API's FastAPI app.

`register_pages` is separate from `mount` so tests can start the same pages without a server.
"""

from __future__ import annotations

import os
import secrets
from typing import TYPE_CHECKING

from fastapi import FastAPI
from nicegui import ui

from designer.pages import coming, designer, processes, version_view

if TYPE_CHECKING:
    from runtime import Engine

STORAGE_SECRET_ENV = "STATEWRIGHT_STORAGE_SECRET"


def register_pages(engine: Engine) -> None:
    """Add every page of the web app to NiceGUI's router."""
    processes.register(engine)
    designer.register(engine)
    version_view.register(engine)
    coming.register(engine)


def mount(app: FastAPI, engine: Engine) -> None:
    """Serve the web app at `/` next to the API under `/api`."""
    register_pages(engine)
    ui.run_with(
        app,
        title="Statewright",
        favicon="🔀",
        storage_secret=os.environ.get(STORAGE_SECRET_ENV) or secrets.token_urlsafe(32),
        show_welcome_message=False,
    )
