"""Which single sign-on the web app offers, read from `STATEWRIGHT_OIDC_*`, and the sign-in
routes without a browser: a provider user signs in with mapped roles; a broken configuration
or an unreachable provider is reported by name and leaves password logins working."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from nicegui.testing import User
from oidc_provider import LocalOpenIdProvider

from designer.app import configured_single_sign_on
from designer.auth import WebAuth
from designer.oidc_login import LOGIN_PATH, OidcWebLogin, oidc_login_url, register_oidc_routes
from runtime.security.identity import IdentityService, OidcError

KEYCLOAK = {
    "STATEWRIGHT_OIDC_ISSUER": "https://sso.example.com/realms/ops",
    "STATEWRIGHT_OIDC_CLIENT_ID": "statewright",
    "STATEWRIGHT_OIDC_CLIENT_SECRET": "s3cret",
    "STATEWRIGHT_OIDC_ROLES_CLAIM": "realm_access.roles",
    "STATEWRIGHT_OIDC_ROLE_MAP": "sw-admins=admin,sw-ops=operator",
}


def test_sso_is_off_without_an_issuer() -> None:
    assert OidcWebLogin.from_env({}) is None


def test_the_button_names_the_provider_or_else_its_host() -> None:
    login = OidcWebLogin.from_env(KEYCLOAK)
    assert login.provider_name == "sso.example.com"
    assert login.client.config.role_map == {"sw-admins": ("admin",), "sw-ops": ("operator",)}
    assert login.client.config.roles_claim == "realm_access.roles"
    named = OidcWebLogin.from_env({**KEYCLOAK, "STATEWRIGHT_OIDC_PROVIDER_NAME": "Keycloak"})
    assert named.provider_name == "Keycloak"


def test_an_incomplete_configuration_names_the_missing_variable() -> None:
    with pytest.raises(OidcError, match="CLIENT_ID is empty"):
        OidcWebLogin.from_env({"STATEWRIGHT_OIDC_ISSUER": "https://sso.example.com"})


def test_a_broken_configuration_is_logged_and_password_logins_stay(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    for name, value in {**KEYCLOAK, "STATEWRIGHT_OIDC_ROLE_MAP": "sw-admins"}.items():
        monkeypatch.setenv(name, value)
    with caplog.at_level(logging.ERROR, logger="statewright.web"):
        assert configured_single_sign_on() is None
    assert "Single sign-on is off: STATEWRIGHT_OIDC_ROLE_MAP item 1" in caplog.text


def test_the_sign_in_link_keeps_only_local_return_paths() -> None:
    assert oidc_login_url("/admin") == "/auth/oidc/login?next=/admin"
    assert oidc_login_url("https://evil.example/") == "/auth/oidc/login?next=/"


@pytest.fixture
def provider() -> Iterator[LocalOpenIdProvider]:
    claims = {"sub": "u-1", "preferred_username": "uma", "groups": ["sw-ops", "underwriters"]}
    with LocalOpenIdProvider(user_claims=claims) as running:
        yield running


def sso_for(identity: IdentityService, issuer: str, client_id: str, secret: str) -> None:
    """Add the sign-in routes for `issuer` to the running test app."""
    env = {
        "STATEWRIGHT_OIDC_ISSUER": issuer,
        "STATEWRIGHT_OIDC_CLIENT_ID": client_id,
        "STATEWRIGHT_OIDC_CLIENT_SECRET": secret,
        "STATEWRIGHT_OIDC_PROVIDER_NAME": "Test IdP",
        "STATEWRIGHT_OIDC_ROLE_MAP": "sw-ops=operator,underwriters=underwriter",
    }
    register_oidc_routes(WebAuth(identity), OidcWebLogin.from_env(env))


@pytest.mark.anyio
async def test_a_provider_user_signs_in_without_a_browser(
    anonymous: User, identity: IdentityService, provider: LocalOpenIdProvider
) -> None:
    sso_for(identity, provider.issuer, provider.client_id, provider.client_secret)
    await anonymous.open("/login")  # a session cookie, as a browser would have
    start = await anonymous.http_client.get(f"{LOGIN_PATH}?next=/instances")
    assert start.status_code == 303
    async with httpx.AsyncClient() as browser_at_provider:
        approved = await browser_at_provider.get(start.headers["location"])
    callback = urlsplit(approved.headers["location"])
    assert callback.path == "/auth/oidc/callback"
    done = await anonymous.http_client.get(f"{callback.path}?{callback.query}")
    assert done.status_code == 303 and done.headers["location"] == "/instances"
    assert identity.get_user("uma").roles == ("operator", "underwriter")
    await anonymous.open("/")
    await anonymous.should_see(marker="current-user")
    await anonymous.should_see(marker="nav-instances")
    await anonymous.should_not_see(marker="nav-designer")


@pytest.mark.anyio
async def test_an_unreachable_provider_is_reported_on_the_login_page(
    anonymous: User, identity: IdentityService
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        issuer = f"http://127.0.0.1:{closed.getsockname()[1]}"
    sso_for(identity, issuer, "statewright", "secret")
    await anonymous.open("/login")
    start = await anonymous.http_client.get(LOGIN_PATH)
    assert start.status_code == 303 and start.headers["location"] == "/login"
    await anonymous.open("/login")
    await anonymous.should_see("Sign-in with Test IdP is unavailable: Could not fetch")
    await anonymous.should_see(marker="login-username")  # passwords still work
