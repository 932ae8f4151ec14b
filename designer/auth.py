"""Who is using the web app, and whether they may see this page or do this thing.

The session cookie carries only a secret naming a row of the `web_sessions` table (made at
login, with a new cookie id, and deleted at logout or when the user's password or roles
change); roles are re-read from the identity store on every page and every guarded action,
so a disabled account takes effect at once. Hiding a button is never the check: `require`
(pages) and `allowed` (actions) run on the server before anything proceeds. Every refusal is logged.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Request
from nicegui import app, ui

from designer.components.shell import Visitor, identify_visitors_with
from runtime.security.identity import (
    AuthenticationFailed,
    IdentityService,
    Principal,
    RateLimited,
)
from runtime.security.identity.web_sessions import WebSession

SESSION_SECRET_KEY = "statewright.session"
SESSION_PATH = "/auth/session"
CSRF_KEY = "statewright.csrf"
CSRF_FIELD = "csrf"

log = logging.getLogger("statewright.web.auth")
security_log = logging.getLogger("statewright.security")


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
        session = self.session()
        if session is None:
            return None
        try:
            return self.identity.principal_for(session.username, session.via)
        except AuthenticationFailed:  # disabled since logging in
            return None

    def session(self) -> WebSession | None:
        """This browser's live session: its cookie names one the database still holds."""
        secret = _browser_session().get(SESSION_SECRET_KEY)
        return self.identity.web_session(secret) if secret else None

    def login(self, username: str, password: str, ip: str | None) -> Principal:
        """Check the password (raises `AuthenticationFailed` / `RateLimited`, each logged);
        the caller then sends the browser to `session_url` to get its new session."""
        try:
            return self.identity.authenticate(username, password, ip)
        except AuthenticationFailed:
            security_log.warning("web login refused for %r from %s", username, ip or "unknown")
            raise
        except RateLimited:
            security_log.warning("web login rate-limited for %r from %s", username, ip or "unknown")
            raise

    def session_url(self, principal: Principal, next_path: str) -> str:
        """Where a page sends the browser after a login: the one-time ticket route that sets
        a new session cookie (a page event cannot set cookies)."""
        ticket = self.identity.issue_web_ticket(principal, _browser_session().get("id", ""))
        return f"{SESSION_PATH}?ticket={quote(ticket)}&next={quote(safe_next(next_path))}"

    def sign_in(self, request: Request, principal: Principal) -> None:
        """Log the browser of this HTTP request in as `principal`, with a new session id."""
        ticket = self.identity.issue_web_ticket(principal, request.session["id"])
        self.redeem(request, ticket)

    def redeem(self, request: Request, ticket: str) -> bool:
        """Turn a login ticket into a session: the cookie gets a new id (NiceGUI's storage
        key) and the session secret, so nothing from before the login carries over."""
        secret = self.identity.redeem_web_ticket(ticket, request.session.get("id", ""))
        if secret is None:
            return False
        self._renew(request)
        request.session[SESSION_SECRET_KEY] = secret
        return True

    def logout(self, request: Request) -> None:
        """End this browser's session in the database and give it a new, empty one."""
        secret = request.session.get(SESSION_SECRET_KEY)
        if secret:
            self.identity.end_web_session(secret)
        self._renew(request)

    def _renew(self, request: Request) -> None:
        app.storage.user.clear()  # the old id's server-side data, before the id changes
        request.session.clear()
        request.session["id"] = str(uuid.uuid4())

    def username(self) -> str | None:
        """The session's username for display (not a permission check)."""
        session = self.session()
        return session.username if session else None

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


def _browser_session() -> Mapping[str, Any]:
    """The signed cookie's content as the browser sent it: with a page, the request that
    loaded this page (whichever page's event is being handled); else the HTTP request."""
    try:
        request = ui.context.client.request
    except RuntimeError:  # no page: an HTTP route
        request = None
    if request is not None:
        return request.session
    try:
        return app.storage.browser
    except RuntimeError:  # outside any request
        return {}
