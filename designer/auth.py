"""Who is using the web app, and whether they may see this page or do this thing.

The session keeps only the username and how they logged in; roles are re-read from the
identity store on every page and every guarded action, so a role change or a disabled
account takes effect at once. Hiding a button is never the check: `require` (pages) and
`allowed` (actions) run on the server before anything proceeds. Every refusal is logged.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from urllib.parse import quote, urlsplit

from fastapi import Request
from nicegui import app, ui

from designer.components.shell import Visitor, identify_visitors_with
from runtime.security.identity import AuthenticationFailed, IdentityService, Principal

SESSION_KEY = "statewright.username"
SESSION_VIA_KEY = "statewright.via"
CSRF_KEY = "statewright.csrf"
CSRF_FIELD = "csrf"

log = logging.getLogger("statewright.web.auth")


def safe_next(target: str | None) -> str:
    """Only paths of this site: never an open redirect to another host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


class WebAuth:
    """Password and OIDC logins for the web app over the shared `IdentityService`."""

    def __init__(self, identity: IdentityService) -> None:
        self.identity = identity
        # The shared page frame asks this object who is looking, to list only their pages.
        identify_visitors_with(self.visitor)

    def principal(self) -> Principal | None:
        """The logged-in user with their current roles, or None."""
        username = app.storage.user.get(SESSION_KEY)
        if not username:
            return None
        try:
            return self.identity.principal_for(
                username, app.storage.user.get(SESSION_VIA_KEY, "password")
            )
        except AuthenticationFailed:  # deleted or disabled since logging in
            self.logout()
            return None

    def login(self, username: str, password: str, ip: str | None) -> Principal:
        """Check the password (raises `AuthenticationFailed` / `RateLimited`) and remember
        the user in this browser's session."""
        return self.sign_in(self.identity.authenticate(username, password, ip))

    def sign_in(self, principal: Principal) -> Principal:
        """Remember an authenticated user in this browser's session, with a fresh CSRF
        token (a token seen before the login is not reused)."""
        app.storage.user[SESSION_KEY] = principal.username
        app.storage.user[SESSION_VIA_KEY] = principal.via
        app.storage.user[CSRF_KEY] = secrets.token_urlsafe(32)
        return principal

    def username(self) -> str | None:
        """The session's username for display (no store read: not a permission check)."""
        return app.storage.user.get(SESSION_KEY)

    def logout(self) -> None:
        for key in (SESSION_KEY, SESSION_VIA_KEY, CSRF_KEY):
            app.storage.user.pop(key, None)

    def visitor(self) -> Visitor:
        """What the page frame shows: the entries this user may open and the logout form."""
        principal = self.principal()
        if principal is None:
            return Visitor(None, frozenset(), "")
        return Visitor(principal.username, principal.permissions, self.csrf_token())

    def csrf_token(self) -> str:
        """The secret that this session's state-changing form posts must echo back."""
        token = app.storage.user.get(CSRF_KEY)
        if not token:
            token = app.storage.user[CSRF_KEY] = secrets.token_urlsafe(32)
        return token

    def csrf_refusal(self, request: Request, submitted: str | None) -> str | None:
        """Why a form post must be refused as cross-site, or None when it may proceed:
        the browser's Origin (or Referer) must be this site, and the form must carry this
        session's CSRF token."""
        # "null" is what a browser sends under `Referrer-Policy: no-referrer`; the token
        # below is then the whole check.
        origin = request.headers.get("origin")
        source = (origin if origin != "null" else None) or request.headers.get("referer")
        if source and urlsplit(source).netloc != request.headers.get("host", ""):
            return f"the form was posted from another site ({urlsplit(source).netloc})"
        expected = app.storage.user.get(CSRF_KEY)
        if not expected or not submitted or not hmac.compare_digest(expected, submitted):
            return "the form's security token is missing or belongs to another session"
        return None

    def require(self, permission: str, path: str) -> Principal | None:
        """The user if they hold `permission`; otherwise send them to log in, or say no.
        Callers stop building the page when this returns None."""
        principal = self.principal()
        if principal is None:
            ui.navigate.to(f"/login?next={quote(path)}")
            return None
        if principal.must_change_password:
            ui.navigate.to(f"/password?next={quote(path)}")
            return None
        if not principal.can(permission):
            log.warning("denied %s the page %s (needs %s)", principal.username, path, permission)
            with ui.card().classes("w-full items-center py-10").mark("forbidden"):
                ui.icon("block").classes("text-5xl text-red-500")
                ui.label(f"{principal.username} may not do this").classes("text-xl font-semibold")
                ui.label(f"It needs the permission `{permission}`; ask an admin for a role.")
            return None
        return principal

    def allowed(self, permission: str, act: str) -> Principal | None:
        """For an action on an open page: the user if they still hold `permission`, else a
        notification and None (roles may have changed since the page was built)."""
        principal = self.principal()
        if principal is not None and principal.can(permission):
            return principal
        who = principal.username if principal else "a visitor who is not logged in"
        log.warning("denied %s the act %r (needs %s)", who, act, permission)
        ui.notify(f"You may no longer {act}; ask an admin for a role", type="negative")
        return None
