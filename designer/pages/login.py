"""Logging in (password, or single sign-on when a provider is configured) and out, and the
password change a one-time password forces."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from nicegui import app, ui

from designer.auth import CSRF_FIELD, SESSION_PATH, WebAuth, safe_next, security_log
from designer.components.shell import APP_NAME, BRAND_COLOUR, LOGOUT_PATH, PageHeading
from designer.components.theme import apply_theme
from designer.oidc_login import LOGIN_ERROR_KEY, OidcWebLogin, oidc_login_url
from runtime.security.identity import AuthenticationFailed, IdentityError

if TYPE_CHECKING:
    from runtime import Engine


def _card(title: str, page_title: str) -> ui.card:
    ui.page_title(f"{page_title} · {APP_NAME}")
    ui.colors(primary=BRAND_COLOUR)
    ui.query("body").classes("bg-slate-100")
    apply_theme()
    with ui.column().classes("w-full items-center pt-24 max-sm:pt-8"):
        card = ui.card().classes("w-96 max-w-[calc(100vw-2rem)] gap-3 p-6")
        with card, ui.row().classes("items-center gap-2"):
            ui.icon("hub").classes("text-3xl text-primary")
            PageHeading(title).classes("text-xl font-semibold m-0 leading-normal")
    return card


def _refusal_page(reason: str) -> HTMLResponse:
    """A plain page for a refused form post: it names the reason and leads back."""
    body = (
        "<!doctype html><html><head><title>Refused - Statewright</title></head>"
        '<body style="font-family:sans-serif;background:#f1f5f9;padding:4rem">'
        '<div style="max-width:32rem;margin:auto;background:#fff;padding:2rem;'
        'border-radius:.5rem;box-shadow:0 1px 3px #0002">'
        '<h1 style="font-size:1.25rem">This request was refused</h1>'
        f"<p>Not logged out: {html.escape(reason)}.</p>"
        '<p><a href="/">Back to Statewright</a></p></div></body></html>'
    )
    return HTMLResponse(body, status_code=403)


def register(engine: Engine, auth: WebAuth, oidc: OidcWebLogin | None = None) -> None:
    @ui.page("/login")
    def login_page(request: Request, next: str = "/") -> None:
        client_ip = request.client.host if request.client else None
        problem = app.storage.user.pop(LOGIN_ERROR_KEY, None)

        def submit() -> None:
            try:
                principal = auth.login(username.value.strip(), password.value, client_ip)
            except IdentityError as error:
                password.value = ""
                ui.notify(str(error), type="negative")
                return
            target = f"/password?next={safe_next(next)}" if principal.must_change_password else next
            ui.navigate.to(auth.session_url(principal, target))

        with _card("Statewright", "Log in"):
            if problem:
                with (
                    ui.row()
                    .classes("w-full items-start gap-2 rounded bg-red-50 p-3 text-sm text-red-800")
                    .props('data-testid="login-problem"')
                    .mark("login-problem")
                ):
                    ui.icon("error_outline").classes("text-lg")
                    ui.label(problem).classes("flex-1")
            if oidc is not None:
                ui.button(
                    f"Sign in with {oidc.provider_name}",
                    icon="login",
                    on_click=lambda: ui.navigate.to(oidc_login_url(next)),
                ).classes("w-full").props('data-testid="oidc-login"').mark("oidc-login")
                with ui.row().classes("w-full items-center gap-2 text-xs text-slate-500"):
                    ui.separator().classes("flex-1")
                    ui.label("or with a local account")
                    ui.separator().classes("flex-1")
            username = ui.input("Username").props('autofocus data-testid="login-username"')
            username.classes("w-full").mark("login-username")
            password = ui.input("Password", password=True).props('data-testid="login-password"')
            password.classes("w-full").mark("login-password").on("keydown.enter", submit)
            ui.button("Log in", on_click=submit).classes("w-full").props(
                'data-testid="login-submit"'
            ).mark("login-submit")

    @app.get(SESSION_PATH, include_in_schema=False)
    def session_from_ticket(request: Request, ticket: str = "", next: str = "/") -> Response:
        """A login's second half: over HTTP, so the new session cookie can be set."""
        if not auth.redeem(request, ticket):
            app.storage.user[LOGIN_ERROR_KEY] = "That login has expired; log in again."
            return RedirectResponse("/login", status_code=303)
        return RedirectResponse(safe_next(next), status_code=303)

    @app.post(LOGOUT_PATH, include_in_schema=False)
    def logout_post(request: Request, csrf: str = Form("", alias=CSRF_FIELD)) -> Response:
        refusal = auth.csrf_refusal(request, csrf)
        if refusal:
            return _refusal_page(refusal)
        auth.logout(request)
        return RedirectResponse("/login", status_code=303)

    @ui.page("/logout")
    def logout_page() -> None:
        """Asks first: logging out on a plain GET would let any site log the user out."""
        if auth.username() is None:
            ui.navigate.to("/login")
            return
        with (
            _card("Log out of Statewright?", "Log out"),
            ui.element("form").props(f'method="post" action="{LOGOUT_PATH}"'),
        ):
            ui.element("input").props(
                f'type="hidden" name="{CSRF_FIELD}" value="{auth.csrf_token()}"'
            ).mark("logout-csrf")
            ui.button("Log out").props('type="submit" data-testid="logout-confirm"').classes(
                "w-full"
            )

    @ui.page("/password")
    def password_page(request: Request, next: str = "/") -> None:
        client_ip = request.client.host if request.client else None
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
                security_log.warning("web password change refused for %r from %s: the current "
                                     "password is wrong", username, client_ip or "unknown")
                ui.notify("The current password is wrong", type="negative")
                return
            except IdentityError as error:
                ui.notify(str(error), type="negative")
                return
            # The change ended every session of the user, this one too: log in afresh.
            renewed = auth.identity.principal_for(username, "password")
            ui.navigate.to(auth.session_url(renewed, next))

        with _card("Choose a new password", "New password"):
            ui.label(f"for {username}").classes("text-sm text-slate-600")
            current = ui.input("Current password", password=True).classes("w-full")
            new = ui.input("New password", password=True).classes("w-full")
            repeat = ui.input("New password again", password=True).classes("w-full")
            current.mark("password-current")
            new.mark("password-new")
            repeat.mark("password-repeat")
            ui.button("Change password", on_click=submit).classes("w-full").mark("password-submit")
