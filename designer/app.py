"""The Statewright web app, mounted by `statewright serve` onto the API's FastAPI app.

`register_pages` is separate from `mount` so tests can start the same pages without a server.
"""

from __future__ import annotations

import logging
import os
import secrets
from typing import TYPE_CHECKING

from fastapi import FastAPI
from nicegui import app as nicegui_app
from nicegui import ui

from designer.auth import WebAuth
from designer.cookies import SecureCookiesOverTls, session_middleware_kwargs
from designer.oidc_login import OidcWebLogin, register_oidc_routes
from designer.pages import (
    admin,
    alerts,
    compliance,
    dashboards,
    designer,
    error_page,
    instances,
    login,
    messaging,
    processes,
    tasks,
    version_diff,
    version_view,
)
from runtime.security.identity import IdentityService, OidcError

if TYPE_CHECKING:
    from runtime import Engine

STORAGE_SECRET_ENV = "STATEWRIGHT_STORAGE_SECRET"

log = logging.getLogger("statewright.web")


def register_pages(
    engine: Engine, identity: IdentityService, oidc: OidcWebLogin | None = None
) -> None:
    """Add every page of the web app to NiceGUI's router; `identity` answers who may see what,
    `oidc` (if any) is the single sign-on provider offered on the login page."""
    auth = WebAuth(identity)
    error_page.register()
    login.register(engine, auth, oidc)
    if oidc is not None:
        register_oidc_routes(auth, oidc)
    processes.register(engine, auth)
    designer.register(engine, auth)
    version_view.register(engine, auth)
    version_diff.register(engine, auth)
    instances.register(engine, auth)
    tasks.register(engine, auth)
    dashboards.register(engine, auth)
    admin.register(engine, auth)
    alerts.register(engine, auth)
    messaging.register(engine, auth)
    compliance.register(engine, auth)


def mount(app: FastAPI, engine: Engine) -> None:
    """Serve the web app at `/` next to the API under `/api`; accounts live in the engine's
    database, as for `statewright users` and the API."""
    # One identity service for pages and API, so one address has one login budget.
    identity = getattr(app.state, "identity", None)
    if identity is None:
        identity = IdentityService(engine.url, clock=engine.clock)
        nicegui_app.on_shutdown(identity.close)
    register_pages(engine, identity, configured_single_sign_on())
    ui.run_with(
        app,
        title="Statewright",
        language="en-US",
        favicon="🔀",
        storage_secret=os.environ.get(STORAGE_SECRET_ENV) or secrets.token_urlsafe(32),
        session_middleware_kwargs=session_middleware_kwargs(),
        show_welcome_message=False,
    )
    app.add_middleware(SecureCookiesOverTls)


def configured_single_sign_on() -> OidcWebLogin | None:
    """The configured OIDC provider; a broken configuration is reported and leaves password
    logins working rather than taking the whole web app down."""
    try:
        oidc = OidcWebLogin.from_env()
    except OidcError as error:
        log.error("Single sign-on is off: %s", error)
        return None
    if oidc is not None:
        log.info("Single sign-on with %s (%s)", oidc.provider_name, oidc.client.config.issuer)
    return oidc
