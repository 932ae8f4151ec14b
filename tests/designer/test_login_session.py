"""The web session: its cookie's flags, and logging out only through a same-site form post
carrying the session's CSRF token."""

from __future__ import annotations

import httpx
import pytest
from nicegui.testing import User
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from designer.auth import safe_next
from designer.cookies import SecureCookiesOverTls, session_middleware_kwargs

LOGOUT = "/auth/logout"


def csrf_token(user: User) -> str:
    return next(iter(user.find(marker="logout-csrf").elements)).props["value"]


@pytest.mark.anyio
async def test_a_cross_site_post_cannot_log_the_user_out(user: User) -> None:
    await user.open("/logout")  # a GET only asks
    await user.should_see("Log out of Statewright?")
    token = csrf_token(user)

    forged = await user.http_client.post(
        LOGOUT, data={"csrf": token}, headers={"Origin": "https://evil.example"}
    )
    assert forged.status_code == 403
    assert "posted from another site (evil.example)" in forged.text
    tokenless = await user.http_client.post(LOGOUT, data={})
    assert tokenless.status_code == 403 and "security token is missing" in tokenless.text
    guessed = await user.http_client.post(LOGOUT, data={"csrf": "guessed-token"})
    assert guessed.status_code == 403
    sandboxed = await user.http_client.post(LOGOUT, data={}, headers={"Origin": "null"})
    assert sandboxed.status_code == 403
    await user.open("/")
    await user.should_see(marker="nav-processes")  # still logged in

    logged_out = await user.http_client.post(
        LOGOUT, data={"csrf": token}, headers={"Origin": "http://test"}
    )
    assert logged_out.status_code == 303 and logged_out.headers["location"] == "/login"
    await user.open("/")
    await user.should_see(marker="login-username")


@pytest.mark.anyio
async def test_the_header_offers_logout_as_a_form_post_with_the_token(user: User) -> None:
    form = next(iter(user.find(marker="logout-form").elements))
    assert form.props["method"] == "post" and form.props["action"] == LOGOUT


def test_the_session_cookie_is_lax_and_secure_only_when_asked() -> None:
    assert session_middleware_kwargs({}) == {
        "session_cookie": "statewright_session",
        "same_site": "lax",
        "https_only": False,
        "max_age": 14 * 24 * 3600,
    }
    assert session_middleware_kwargs({"STATEWRIGHT_SECURE_COOKIES": "1"})["https_only"]


@pytest.fixture
def cookie_app() -> Starlette:
    """A session cookie as NiceGUI's storage sets it, behind `SecureCookiesOverTls`."""

    def visit(request: Request) -> PlainTextResponse:
        request.session["id"] = "browser-1"
        return PlainTextResponse("ok")

    return Starlette(
        routes=[Route("/", visit)],
        middleware=[
            Middleware(SecureCookiesOverTls),
            Middleware(SessionMiddleware, secret_key="test", **session_middleware_kwargs({})),
        ],
    )


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("base_url", "headers", "secure"),
    [
        ("http://statewright.test", {}, False),
        ("http://statewright.test", {"X-Forwarded-Proto": "https"}, True),
        ("http://statewright.test", {"X-Forwarded-Proto": "https, http"}, True),
        ("https://statewright.test", {}, True),
    ],
)
async def test_the_cookie_is_http_only_and_secure_behind_tls(
    cookie_app: Starlette, base_url: str, headers: dict, secure: bool
) -> None:
    transport = httpx.ASGITransport(cookie_app)
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
        response = await client.get("/", headers=headers)
    cookie = response.headers["set-cookie"]
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert cookie.startswith("statewright_session=")
    assert "httponly" in flags and "samesite=lax" in flags
    assert ("secure" in flags) is secure
    assert flags.count("secure") <= 1


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/admin", "/admin"),
        ("/processes/x?tab=1", "/processes/x?tab=1"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("", "/"),
    ],
)
def test_after_login_only_paths_of_this_site_are_followed(target: str, safe: str) -> None:
    assert safe_next(target) == safe
