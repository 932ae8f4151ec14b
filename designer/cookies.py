"""How the web app's session cookie is set: HttpOnly, SameSite=Lax, Secure behind TLS.

NiceGUI keeps `app.storage.user` on the server and identifies the browser by Starlette's
`SessionMiddleware` cookie; `session_middleware_kwargs` configures that cookie. Starlette
always sets HttpOnly. Secure is static there, so `SecureCookiesOverTls` adds it per request
when the request came over TLS: directly (scheme https) or through a proxy that says so in
`X-Forwarded-Proto`. Trusting that header is safe here: a forged one only makes the cookie
stricter for the client that forged it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURE_COOKIES_ENV = "STATEWRIGHT_SECURE_COOKIES"
SESSION_COOKIE = "statewright_session"
SESSION_MAX_AGE_S = 14 * 24 * 3600


def session_middleware_kwargs(env: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """Keyword arguments for NiceGUI's SessionMiddleware (`ui.run_with`)."""
    return {
        "session_cookie": SESSION_COOKIE,
        "same_site": "lax",
        "https_only": env.get(SECURE_COOKIES_ENV, "").strip().lower() in ("1", "true", "yes"),
        "max_age": SESSION_MAX_AGE_S,
    }


def came_over_tls(scope: Scope) -> bool:
    if scope.get("scheme") in ("https", "wss"):
        return True
    for name, value in scope.get("headers", ()):
        if name == b"x-forwarded-proto":
            return value.split(b",")[0].strip().lower() == b"https"
    return False


class SecureCookiesOverTls:
    """ASGI middleware: mark every cookie Secure on responses to requests made over TLS."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not came_over_tls(scope):
            await self.app(scope, receive, send)
            return

        async def send_secure(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                cookies = headers.getlist("set-cookie")
                if cookies:
                    del headers["set-cookie"]
                    for cookie in cookies:
                        secure = "secure" in (p.strip().lower() for p in cookie.split(";"))
                        headers.append("set-cookie", cookie if secure else f"{cookie}; secure")
            await send(message)

        await self.app(scope, receive, send_secure)
