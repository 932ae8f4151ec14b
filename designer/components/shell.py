"""The frame every page shares: header with the main navigation and a content column.

The navigation lists only the pages the visitor may open; the pages still check on the
server, as a hidden link is no access control.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from nicegui import ui

# (title, path, icon, the permission the page requires)
NAVIGATION: list[tuple[str, str, str, str]] = [
    ("Processes", "/", "account_tree", "definitions.read"),
    ("Designer", "/designer", "draw", "definitions.publish"),
    ("Instances", "/instances", "play_circle", "instances.read"),
    ("Tasks", "/tasks", "inbox", "tasks.work"),
    ("Dashboards", "/dashboards", "insights", "dashboards.read"),
    ("Admin", "/admin", "admin_panel_settings", "admin.users"),
    ("Alerts", "/alerts", "notifications_active", "admin.alerts"),
    ("Compliance", "/compliance", "policy", "compliance.read"),
]

BRAND_COLOUR = "#1e3a8a"
LOGOUT_PATH = "/auth/logout"


@dataclass(frozen=True)
class Visitor:
    """Who is looking at a page, as far as the frame cares: their name, what they may do
    and the CSRF token the logout form posts."""

    username: str | None
    permissions: frozenset[str]
    csrf_token: str


def _nobody() -> Visitor:
    return Visitor(None, frozenset(), "")


_identify_visitor: Callable[[], Visitor] = _nobody


def identify_visitors_with(source: Callable[[], Visitor]) -> None:
    """Set how the frame learns who is looking (the web app's `WebAuth.visitor`)."""
    global _identify_visitor
    _identify_visitor = source


def visible_navigation(permissions: frozenset[str]) -> list[tuple[str, str, str]]:
    """The (title, path, icon) entries whose page `permissions` allow opening."""
    return [
        (title, path, icon) for title, path, icon, needed in NAVIGATION if needed in permissions
    ]


@contextmanager
def page_frame(
    active: str, *, user: str | None = None, full_width: bool = False
) -> Iterator[ui.column]:
    """Header with navigation (the `active` entry highlighted) and the logged-in `user`
    around the page body."""
    visitor = _identify_visitor()
    ui.colors(primary=BRAND_COLOUR)
    ui.query("body").classes("bg-slate-100")
    with ui.header().classes("items-center gap-1 px-4 py-2 bg-[#1e3a8a] shadow"):
        with ui.link(target="/").classes("flex items-center gap-2 no-underline text-white mr-6"):
            ui.icon("hub").classes("text-2xl")
            ui.label("Statewright").classes("text-lg font-semibold tracking-wide")
        for title, path, icon in visible_navigation(visitor.permissions):
            selected = title == active
            link = ui.link(target=path).classes(
                "flex items-center gap-1 px-3 py-1 rounded no-underline text-sm "
                + ("bg-white/20 text-white font-semibold" if selected else "text-blue-100")
            )
            name = title.lower()
            link.props(f'data-nav="{name}" data-testid="nav-{name}"').mark(f"nav-{name}")
            with link:
                ui.icon(icon).classes("text-base")
                ui.label(title)
        ui.space()
        if user:
            with ui.row().classes("items-center gap-2 text-blue-100 text-sm"):
                ui.icon("account_circle").classes("text-lg")
                ui.label(user).mark("current-user")
                if visitor.csrf_token:
                    _logout_form(visitor.csrf_token)
    width = "w-full" if full_width else "w-full max-w-6xl mx-auto"
    with ui.column().classes(f"{width} gap-4 p-4") as body:
        yield body


def _logout_form(csrf_token: str) -> None:
    """A real form post with this session's CSRF token, so another site cannot log the
    user out by linking here."""
    with ui.element("form").props(f'method="post" action="{LOGOUT_PATH}"').mark("logout-form"):
        ui.element("input").props(f'type="hidden" name="csrf" value="{csrf_token}"')
        ui.button("Log out", icon="logout", color=None).props(
            'type="submit" flat dense no-caps size="sm" data-testid="logout"'
        ).classes("text-blue-100")
