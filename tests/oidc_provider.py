"""A real, minimal OpenID provider for tests, served over HTTP on 127.0.0.1 in a thread.

It publishes discovery and JWKS, auto-approves `user_claims` at `/authorize` (redirecting
with a code) and at `/token` checks the client, the redirect URI and the PKCE verifier
before issuing an RS256-signed ID token. Tests bend it to misbehave through
`id_token_overrides` (claims to replace, e.g. `aud`, `exp`, `nonce`), `mangle_id_token`
(a function applied to the signed token, e.g. to tamper with its payload) and
`callback_overrides` (query parameters of the redirect back, e.g. a forged `state`).
"""

from __future__ import annotations

import base64
import secrets
import socket
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import uvicorn
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route


class LocalOpenIdProvider:
    """Start with `with LocalOpenIdProvider(...) as provider:`; `provider.issuer` is its URL."""

    def __init__(
        self,
        client_id: str = "statewright",
        client_secret: str = "test-client-secret",
        user_claims: dict[str, Any] | None = None,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.user_claims = user_claims or {"sub": "user-1", "preferred_username": "ana"}
        self.id_token_overrides: dict[str, Any] = {}
        self.mangle_id_token: Callable[[str], str] = lambda token: token
        self.callback_overrides: dict[str, str] = {}
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig"})
        self._codes: dict[str, dict[str, Any]] = {}
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.issuer = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self._server = uvicorn.Server(
            uvicorn.Config(self._app(), log_level="warning", lifespan="off")
        )
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> LocalOpenIdProvider:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("The test OpenID provider did not start.")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    def _serve(self) -> None:
        self._server.run(sockets=[self._socket])

    def _app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self._discovery),
                Route("/jwks", self._jwks),
                Route("/authorize", self._authorize),
                Route("/token", self._token, methods=["POST"]),
            ]
        )

    async def _discovery(self, request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def _jwks(self, request: Request) -> Response:
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    async def _authorize(self, request: Request) -> Response:
        query = request.query_params
        problem = None
        if query.get("client_id") != self.client_id:
            problem = "unknown client_id"
        elif query.get("response_type") != "code":
            problem = "only response_type=code is supported"
        elif "openid" not in query.get("scope", "").split():
            problem = "scope must include openid"
        elif query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            problem = "PKCE with S256 is required"
        if problem or not query.get("redirect_uri"):
            return JSONResponse({"error": "invalid_request", "error_description": problem}, 400)
        code = secrets.token_urlsafe(24)
        self._codes[code] = {
            "redirect_uri": query["redirect_uri"],
            "challenge": query["code_challenge"],
            "nonce": query.get("nonce"),
        }
        params = urlencode(
            {"code": code, "state": query.get("state", ""), **self.callback_overrides}
        )
        return RedirectResponse(f"{query['redirect_uri']}?{params}", status_code=302)

    async def _token(self, request: Request) -> Response:
        form = await request.form()
        auth = request.headers.get("authorization", "")
        pair = f"{self.client_id}:{self.client_secret}".encode()
        expected = f"Basic {base64.b64encode(pair).decode()}"
        if auth != expected and form.get("client_secret") != self.client_secret:
            return JSONResponse({"error": "invalid_client"}, 401)
        grant = self._codes.pop(str(form.get("code")), None)  # a code works once
        if grant is None or form.get("grant_type") != "authorization_code":
            return _invalid_grant("unknown or used authorization code")
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return _invalid_grant("redirect_uri differs from the authorization request")
        verifier = str(form.get("code_verifier") or "")
        if create_s256_code_challenge(verifier) != grant["challenge"]:
            return _invalid_grant("PKCE code_verifier does not match the code_challenge")
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(24),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self.mangle_id_token(self.sign_id_token(grant["nonce"])),
            }
        )

    def sign_id_token(self, nonce: str | None) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            **self.user_claims,
            **self.id_token_overrides,
        }
        return jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, self.key)


def _invalid_grant(description: str) -> Response:
    return JSONResponse({"error": "invalid_grant", "error_description": description}, 400)
