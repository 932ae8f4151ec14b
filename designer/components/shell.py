"""The frame every page shares: header with the main navigation and a content column.

The navigation lists only the pages the visitor may open; the pages still check on the
server, as a hidden link is no access control.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from nicegui import ui
from nicegui.elements.mixins.text_element import TextElement

from designer.components.theme import apply_theme, theme_toggle

# (title, path, icon, the permission the page requires)
NAVIGATION: list[tuple[str, str, str, str]] = [
    ("Processes", "/processes", "account_tree", "definitions.read"),
    ("Designer", "/designer", "draw", "definitions.publish"),
    ("Instances", "/instances", "play_circle", "instances.read"),
    ("Inbox", "/tasks", "inbox", "tasks.work"),
    ("Dashboards", "/dashboards", "insights", "dashboards.read"),
    ("Admin", "/admin", "admin_panel_settings", "admin.users"),
    ("Alerts", "/alerts", "notifications_active", "admin.alerts"),
    ("Compliance", "/compliance", "policy", "compliance.read"),
]

APP_NAME = "Statewright"
BRAND_COLOUR = "#1e3a8a"
LOGOUT_PATH = "/auth/logout"


@dataclass(frozen=True)
class Visitor:
    """Who is looking at a page, as far as the frame cares: their name, what they may do
    and the CSRF token the logout form posts."""

    username: str | None
    permissions: frozenset[str]
    csrf_token: str


class PageHeading(TextElement):
    """The page's one `<h1>`: screen readers and their heading lists start from it."""

    def __init__(self, text: str) -> None:
        super().__init__(tag="h1", text=text)
        self.props('data-testid="page-heading"')


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
    active: str, *, user: str | None = None, full_width: bool = False, title: str | None = None
) -> Iterator[ui.column]:
    """Header with navigation (the `active` entry highlighted) and the logged-in `user`
    around the page body. `title` (default `active`) names the page in the browser's tab and
    in its one `<h1>`; below the `lg` breakpoint the navigation moves into a drawer opened by
    a menu button, so the header keeps one row on a phone."""
    visitor = _identify_visitor()
    name = title or active
    ui.page_title(f"{name} · {APP_NAME}")
    ui.colors(primary=BRAND_COLOUR)
    ui.query("body").classes("bg-slate-100")
    dark = apply_theme()
    entries = visible_navigation(visitor.permissions)
    drawer = _navigation_drawer(entries, active)
    with ui.header().classes("items-center gap-1 px-4 py-2 bg-[#1e3a8a] shadow no-wrap"):
        if entries:
            ui.button(icon="menu", on_click=drawer.toggle, color=None).props(
                'flat round dense aria-label="Menu" data-testid="menu-button"'
            ).classes("text-white lg:hidden").mark("menu-button")
        with ui.link(target="/").classes("flex items-center gap-2 no-underline text-white mr-6"):
            ui.icon("hub").classes("text-2xl")
            ui.label(APP_NAME).classes("text-lg font-semibold tracking-wide")
        with ui.element("nav").props('aria-label="Main"').classes("max-lg:hidden flex gap-1"):
            for title_, path, icon in entries:
                _nav_link(title_, path, icon, selected=title_ == active)
        ui.space()
        theme_toggle(dark)
        if user:
            with ui.row().classes("items-center gap-2 text-blue-100 text-sm no-wrap"):
                ui.icon("account_circle").classes("text-lg max-sm:hidden")
                ui.label(user).classes("max-sm:hidden").mark("current-user")
                if visitor.csrf_token:
                    _logout_form(visitor.csrf_token)
    width = "w-full" if full_width else "w-full max-w-6xl mx-auto"
    with ui.column().classes(f"{width} gap-4 p-4") as body:
        PageHeading(name).classes("sw-sr-only")
        yield body


def _nav_link(title: str, path: str, icon: str, *, selected: bool) -> None:
    link = ui.link(target=path).classes(
        "flex items-center gap-1 px-3 py-1 rounded no-underline text-sm "
        + ("bg-white/20 text-white font-semibold" if selected else "text-blue-100")
    )
    key = nav_key(path)
    link.props(f'data-nav="{key}" data-testid="nav-{key}"').mark(f"nav-{key}")
    if selected:
        link.props('aria-current="page"')
    with link:
        ui.icon(icon).classes("text-base")
        ui.label(title)


def _navigation_drawer(entries: list[tuple[str, str, str]], active: str) -> ui.left_drawer:
    """The phone's navigation: the same entries, one per row, in a drawer over the page."""
    drawer = ui.left_drawer(value=False, elevated=True).props(
        'behavior="mobile" overlay aria-label="Menu" data-testid="nav-drawer"'
    )
    with drawer, ui.element("nav").props('aria-label="Main (menu)"').classes("w-full"):
        for title, path, icon in entries:
            link = ui.link(target=path).classes(
                "sw-drawer-link flex items-center gap-3 px-3 py-3 rounded no-underline "
                + ("bg-primary text-white font-semibold" if title == active else "text-inherit")
            )
            link.props(f'data-testid="drawer-{nav_key(path)}"')
            if title == active:
                link.props('aria-current="page"')
            with link:
                ui.icon(icon).classes("text-xl")
                ui.label(title)
    return drawer


def nav_key(path: str) -> str:
    """The name tests and styles know an entry by: its path's first part."""
    return path.strip("/").split("/")[0] or "processes"


def _logout_form(csrf_token: str) -> None:
    """A real form post with this session's CSRF token, so another site cannot log the
    user out by linking here."""
    with ui.element("form").props(f'method="post" action="{LOGOUT_PATH}"').mark("logout-form"):
        ui.element("input").props(f'type="hidden" name="csrf" value="{csrf_token}"')
        ui.button("Log out", icon="logout", color=None).props(
            'type="submit" flat dense no-caps size="sm" data-testid="logout"'
        ).classes("text-blue-100")
