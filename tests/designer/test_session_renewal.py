"""Regression tests for two holes found by probing the server: a cookie planted before the
login became a logged-in session (fixation), and a session outlived an admin's password
reset or role change."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Awaitable, Callable

import httpx
import pytest
from nicegui.testing import User

from runtime.security.identity import IdentityService

pytestmark = pytest.mark.anyio
ANALYST_PASSWORD = "correct-horse-battery"  # as the `identity` fixture sets it
Login = Callable[..., Awaitable[None]]
# The `anonymous` fixture runs NiceGUI with Starlette's default cookie name (`serve` names
# it `statewright_session`, see designer/cookies.py).
SESSION_COOKIE = "session"


def session_id_of(client: httpx.AsyncClient) -> str:
    """NiceGUI's id inside the signed cookie (what a login ticket is bound to)."""
    payload = client.cookies[SESSION_COOKIE].split(".")[0]
    return json.loads(base64.b64decode(payload))["id"]


async def opens_as_logged_in(client: httpx.AsyncClient, cookie: str) -> bool:
    """Whether a browser holding only `cookie` gets the processes page, not the login form."""
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, cookie)
    page = await client.get("/", follow_redirects=True)
    return "login-username" not in page.text and "nav-processes" in page.text


async def test_a_cookie_planted_before_login_does_not_become_the_session(
    anonymous: User, identity: IdentityService, login: Login
) -> None:
    await anonymous.open("/login")
    planted = anonymous.http_client.cookies[SESSION_COOKIE]
    await login(anonymous, "ana")
    await anonymous.should_see("Processes")

    renewed = anonymous.http_client.cookies[SESSION_COOKIE]
    assert renewed != planted
    transport = anonymous.http_client._transport  # the same app, another browser
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as attacker:
        assert not await opens_as_logged_in(attacker, planted)
        assert await opens_as_logged_in(attacker, renewed)  # the check can tell the two apart


async def test_a_login_ticket_works_once_and_only_in_the_browser_that_logged_in(
    anonymous: User, identity: IdentityService
) -> None:
    principal = identity.authenticate("ana", ANALYST_PASSWORD)
    transport = anonymous.http_client._transport
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as other:
        await other.get("/login")
        session_id = other.cookies[SESSION_COOKIE]
        ticket = identity.issue_web_ticket(principal, "not-this-browser")
        stolen = await other.get(f"/auth/session?ticket={ticket}")
        assert stolen.headers["location"] == "/login"
        assert other.cookies[SESSION_COOKIE] == session_id
        used = identity.issue_web_ticket(principal, other_id := session_id_of(other))
        assert identity.redeem_web_ticket(used, other_id) is not None
        assert identity.redeem_web_ticket(used, other_id) is None  # once only


@pytest.mark.parametrize(
    "change",
    [
        lambda identity: identity.change_password("ana", "reset-by-the-admin-9"),
        lambda identity: identity.set_roles("ana", ["analyst", "operator"]),
        lambda identity: identity.set_roles("ana", ["manager"]),
        lambda identity: identity.disable("ana"),
    ],
    ids=["password-reset", "role-granted", "role-replaced", "disabled"],
)
async def test_a_password_or_role_change_ends_the_users_sessions(
    user: User, identity: IdentityService, change
) -> None:
    assert identity.web_session_count("ana") == 1
    change(identity)
    assert identity.web_session_count("ana") == 0
    await user.open("/")
    await user.should_see(marker="login-username")


async def test_an_unchanged_role_list_keeps_the_session(
    user: User, identity: IdentityService
) -> None:
    identity.set_roles("ana", ["analyst"])
    await user.open("/")
    await user.should_see(marker="nav-processes")


async def test_changing_ones_own_password_renews_the_session(
    user: User, identity: IdentityService
) -> None:
    before = user.http_client.cookies[SESSION_COOKIE]
    await user.open("/password")
    user.find(marker="password-current").type(ANALYST_PASSWORD)
    user.find(marker="password-new").type("a-new-long-passphrase")
    user.find(marker="password-repeat").type("a-new-long-passphrase")
    user.find(marker="password-submit").click()
    await user.should_see("Processes")
    assert user.http_client.cookies[SESSION_COOKIE] != before
    assert identity.web_session_count("ana") == 1


async def test_a_failed_web_login_is_logged_as_a_security_event(
    anonymous: User, caplog: pytest.LogCaptureFixture, login: Login
) -> None:
    with caplog.at_level(logging.WARNING, logger="statewright.security"):
        await login(anonymous, "ana", "not-the-password")
        await anonymous.should_see("Invalid username or password")
    assert any(
        r.name == "statewright.security" and "'ana'" in r.getMessage() for r in caplog.records
    )
