"""Logging in and out, and the password change a one-time password forces."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import Request
from nicegui import ui

from designer.auth import WebAuth
from designer.components.shell import BRAND_COLOUR
from runtime.identity import AuthenticationFailed, IdentityError

if TYPE_CHECKING:
    from runtime import Engine


def safe_next(target: str | None) -> str:
    """Only paths of this site: never an open redirect to another host."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _card(title: str) -> ui.card:
    ui.colors(primary=BRAND_COLOUR)
    ui.query("body").classes("bg-slate-100")
    with ui.column().classes("w-full items-center pt-24"):
        card = ui.card().classes("w-96 gap-3 p-6")
        with card, ui.row().classes("items-center gap-2"):
            ui.icon("hub").classes("text-3xl text-primary")
            ui.label(title).classes("text-xl font-semibold")
    return card


def register(engine: Engine, auth: WebAuth) -> None:
    @ui.page("/login")
    def login_page(request: Request, next: str = "/") -> None:
        client_ip = request.client.host if request.client else None

        def submit() -> None:
            try:
                principal = auth.login(username.value.strip(), password.value, client_ip)
            except IdentityError as error:
                password.value = ""
                ui.notify(str(error), type="negative")
                return
            if principal.must_change_password:
                ui.navigate.to(f"/password?next={safe_next(next)}")
            else:
                ui.navigate.to(safe_next(next))

        with _card("Statewright"):
            username = ui.input("Username").props('autofocus data-testid="login-username"')
            username.classes("w-full").mark("login-username")
            password = ui.input("Password", password=True).props('data-testid="login-password"')
            password.classes("w-full").mark("login-password").on("keydown.enter", submit)
            ui.button("Log in", on_click=submit).classes("w-full").props(
                'data-testid="login-submit"'
            ).mark("login-submit")

    @ui.page("/logout")
    def logout_page() -> None:
        auth.logout()
        ui.navigate.to("/login")

    @ui.page("/password")
    def password_page(next: str = "/") -> None:
        username = auth.username()
        if username is None:
            ui.navigate.to("/login")
            return

        def submit() -> None:
            if new.value != repeat.value:
                ui.notify("The new passwords differ", type="negative")
                return
            try:
                auth.identity.change_password(username, new.value, current_password=current.value)
            except AuthenticationFailed:
                ui.notify("The current password is wrong", type="negative")
                return
            except IdentityError as error:
                ui.notify(str(error), type="negative")
                return
            ui.navigate.to(safe_next(next))

        with _card("Choose a new password"):
            ui.label(f"for {username}").classes("text-sm text-slate-500")
            current = ui.input("Current password", password=True).classes("w-full")
            new = ui.input("New password", password=True).classes("w-full")
            repeat = ui.input("New password again", password=True).classes("w-full")
            current.mark("password-current")
            new.mark("password-new")
            repeat.mark("password-repeat")
            ui.button("Change password", on_click=submit).classes("w-full").mark("password-submit")
