"""The frame every page shares: header with the main navigation and a content column."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import ui

NAVIGATION: list[tuple[str, str, str]] = [
    ("Processes", "/", "account_tree"),
    ("Designer", "/designer", "draw"),
    ("Instances", "/instances", "play_circle"),
    ("Tasks", "/tasks", "inbox"),
    ("Dashboards", "/dashboards", "insights"),
    ("Admin", "/admin", "admin_panel_settings"),
]

BRAND_COLOUR = "#1e3a8a"


@contextmanager
def page_frame(
    active: str, *, user: str | None = None, full_width: bool = False
) -> Iterator[ui.column]:
    """Header with navigation (the `active` entry highlighted) and the logged-in `user`
    around the page body."""
    ui.colors(primary=BRAND_COLOUR)
    ui.query("body").classes("bg-slate-100")
    with ui.header().classes("items-center gap-1 px-4 py-2 bg-[#1e3a8a] shadow"):
        with ui.link(target="/").classes("flex items-center gap-2 no-underline text-white mr-6"):
            ui.icon("hub").classes("text-2xl")
            ui.label("Statewright").classes("text-lg font-semibold tracking-wide")
        for title, path, icon in NAVIGATION:
            selected = title == active
            link = ui.link(target=path).classes(
                "flex items-center gap-1 px-3 py-1 rounded no-underline text-sm "
                + ("bg-white/20 text-white font-semibold" if selected else "text-blue-100")
            )
            link.props(f'data-nav="{title.lower()}"')
            with link:
                ui.icon(icon).classes("text-base")
                ui.label(title)
        ui.space()
        if user:
            with ui.row().classes("items-center gap-2 text-blue-100 text-sm"):
                ui.icon("account_circle").classes("text-lg")
                ui.label(user).mark("current-user")
                ui.link("Log out", "/logout").classes("text-blue-100").props('data-testid="logout"')
    width = "w-full" if full_width else "w-full max-w-6xl mx-auto"
    with ui.column().classes(f"{width} gap-4 p-4") as body:
        yield body


def coming_soon(active: str, what: str) -> None:
    """The body of a page that another part of Statewright has not delivered yet."""
    with ui.card().classes("w-full items-center py-10"):
        ui.icon("construction").classes("text-5xl text-slate-400")
        ui.label(f"{active}: coming soon").classes("text-xl font-semibold")
        ui.label(what).classes("text-slate-500")
