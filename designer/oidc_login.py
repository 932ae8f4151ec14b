"""Single sign-on for the web app: the OpenID Connect authorization code flow with PKCE.

`/auth/oidc/login` keeps a fresh state, nonce and PKCE verifier in this browser's
server-side session and sends the browser to the provider; `/auth/oidc/callback` accepts
only the state it issued (which is also the callback's CSRF protection), lets
`runtime.security.identity.OidcClient` exchange the code and verify the ID token, provisions
the user with the mapped roles and logs them in like a password login. Every failure lands on the
login page with a sentence saying what went wrong, never a traceback.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app, run

from designer.auth import WebAuth, safe_next
from runtime.security.identity import IdentityError, OidcClient, OidcConfig, PendingLogin

LOGIN_PATH = "/auth/oidc/login"
CALLBACK_PATH = "/auth/oidc/callback"
PROVIDER_NAME_ENV = "STATEWRIGHT_OIDC_PROVIDER_NAME"
PENDING_KEY = "statewright.oidc.pending"
NEXT_KEY = "statewright.oidc.next"
LOGIN_ERROR_KEY = "statewright.login_error"

log = logging.getLogger("statewright.web.oidc")


@dataclass(frozen=True)
class OidcWebLogin:
    """The configured provider and the name the login button shows."""

    client: OidcClient
    provider_name: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> OidcWebLogin | None:
        """None when `STATEWRIGHT_OIDC_ISSUER` is unset; raises `OidcError` naming the
        variable when the configuration is incomplete or malformed."""
        config = OidcConfig.from_env(env)
        if config is None:
            return None
        name = env.get(PROVIDER_NAME_ENV, "").strip() or urlsplit(config.issuer).hostname
        return cls(OidcClient(config), name or config.issuer)


def _back_to_login(problem: str) -> RedirectResponse:
    app.storage.user[LOGIN_ERROR_KEY] = problem
    return RedirectResponse("/login", status_code=303)


def register_oidc_routes(auth: WebAuth, oidc: OidcWebLogin) -> None:
    @app.get(LOGIN_PATH, include_in_schema=False)
    async def oidc_login(request: Request, next: str = "/") -> RedirectResponse:
        redirect_uri = str(request.url_for("oidc_callback"))
        try:
            pending = await run.io_bound(oidc.client.begin_login, redirect_uri)
        except IdentityError as error:
            log.warning("single sign-on could not start: %s", error)
            return _back_to_login(f"Sign-in with {oidc.provider_name} is unavailable: {error}")
        app.storage.user[PENDING_KEY] = asdict(pending)
        app.storage.user[NEXT_KEY] = safe_next(next)
        return RedirectResponse(pending.authorization_url, status_code=303)

    @app.get(CALLBACK_PATH, include_in_schema=False, name="oidc_callback")
    async def oidc_callback(request: Request) -> RedirectResponse:
        stored = app.storage.user.pop(PENDING_KEY, None)
        target = app.storage.user.pop(NEXT_KEY, "/")
        if not stored:
            return _back_to_login(
                f"No sign-in with {oidc.provider_name} was started in this browser; "
                "start again from this page."
            )
        pending, params = PendingLogin(**stored), dict(request.query_params)
        try:
            identity = await run.io_bound(oidc.client.complete_login, pending, params)
            principal = await run.io_bound(auth.identity.provision_oidc_user, identity)
        except IdentityError as error:
            log.warning("single sign-on refused: %s", error)
            return _back_to_login(f"Sign-in with {oidc.provider_name} failed: {error}")
        auth.sign_in(request, principal)
        log.info("%s signed in through %s", principal.username, oidc.provider_name)
        return RedirectResponse(safe_next(target), status_code=303)


def oidc_login_url(next_path: str) -> str:
    return f"{LOGIN_PATH}?next={quote(safe_next(next_path))}"
