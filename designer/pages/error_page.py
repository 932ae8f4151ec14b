"""What a visitor sees when a page fails: an apology and a reference, never the exception.

The exception's text can name tables, paths or values, so it goes to the server log under the
reference the page shows, where an operator can find it.
"""

from __future__ import annotations

import logging
import secrets

from nicegui import app, ui

log = logging.getLogger("statewright.web")


def show_error(exception: Exception) -> None:
    reference = secrets.token_hex(4)
    log.error("Page failed (reference %s)", reference, exc_info=exception)
    with ui.column().classes("w-full items-center gap-2 py-16").mark("page-error"):
        ui.icon("report").classes("text-6xl text-red-500")
        ui.label("Something went wrong on this page").classes("text-xl font-semibold")
        ui.label(f"It has been logged with reference {reference}; give it to your operator.")
        ui.link("Back to the processes", "/")


def register() -> None:
    app.on_page_exception(show_error)
