"""Security headers on every HTTP response of the app: the API and the web pages mounted on it.

Pages get a Content-Security-Policy NiceGUI can live with: its page template carries inline
scripts and Vue compiles templates in the browser (`'unsafe-inline'`, `'unsafe-eval'`), Quasar
and Tailwind inject styles, and the page talks to its own origin over socket.io. Everything
else is limited to the app's own origin, and nothing may frame it (clickjacking). API answers
are data, never documents to render, so they get `default-src 'none'`; the Swagger UI at
`/api/docs` loads its scripts from the jsDelivr CDN and gets exactly that.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

OIDC_ISSUER_ENV = "STATEWRIGHT_OIDC_ISSUER"
DOCS_CDN = "https://cdn.jsdelivr.net"

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_CSP = (
    f"default-src 'self'; script-src 'self' 'unsafe-inline' {DOCS_CDN}; "
    f"style-src 'self' 'unsafe-inline' {DOCS_CDN}; img-src 'self' data: "
    "https://fastapi.tiangolo.com; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)


def page_csp(oidc_issuer: str | None = None) -> str:
    """The policy of the web pages; a login form may post on to the OIDC provider."""
    form_action = "'self'"
    if oidc_issuer:
        parts = urlsplit(oidc_issuer)
        form_action += f" {parts.scheme}://{parts.netloc}"
    return (
        "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
        "connect-src 'self' ws: wss:; worker-src 'self' blob:; object-src 'none'; "
        f"base-uri 'self'; form-action {form_action}; frame-ancestors 'none'"
    )


# `same-origin`, not `no-referrer`: with `no-referrer` a browser sends `Origin: null` on our
# own form posts, which the web app's CSRF check must then refuse.
COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
# Strict-Transport-Security only over TLS: sent over plain HTTP it would be ignored, and
# behind a TLS proxy uvicorn's `--proxy-headers` makes the scheme https.
HSTS = "max-age=31536000; includeSubDomains"
API_PATHS = ("/api/", "/healthz", "/readyz", "/metrics")


class SecurityHeaders:
    """Pure ASGI middleware: adds the headers to each response start, leaving any header a
    route set itself (e.g. a stricter `Cache-Control`) as it is."""

    def __init__(self, app: ASGIApp, page_policy: str | None = None) -> None:
        self.app = app
        self.page_policy = page_policy or page_csp(os.environ.get(OIDC_ISSUER_ENV))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        api = path.startswith(API_PATHS)
        policy = self.page_policy if not api else DOCS_CSP if path == "/api/docs" else API_CSP
        tls = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in COMMON.items():
                    headers.setdefault(name, value)
                headers.setdefault("Content-Security-Policy", policy)
                if api:
                    headers.setdefault("Cache-Control", "no-store")
                if tls:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_headers)
