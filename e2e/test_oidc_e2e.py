"""Single sign-on in real Chromium against a real OpenID provider (tests/oidc_provider.py):
discovery, JWKS and the code flow with PKCE; provider groups become Statewright roles; a
tampered, misaddressed or expired ID token and a forged state are refused with a sentence
on the login page."""

from __future__ import annotations

import base64
import json
import sys
import time
from collections.abc import Iterator

import pytest
from browser_settings import ARTIFACTS, ROOT
from playwright.sync_api import Page, expect
from statewright_server import running_server

from runtime.security.identity import IdentityService

sys.path.insert(0, str(ROOT / "tests"))  # the provider is shared with the unit tests
from oidc_provider import LocalOpenIdProvider

PROVIDER_NAME = "Acme SSO"
OLGA = {
    "sub": "00u-olga",
    "preferred_username": "olga",
    "name": "Olga Operator",
    "email": "olga@example.com",
    "groups": ["sw-ops", "claims-team", "cafeteria"],
}


@pytest.fixture(scope="module")
def provider() -> Iterator[LocalOpenIdProvider]:
    with LocalOpenIdProvider(client_id="statewright-web", user_claims=OLGA) as running:
        yield running


@pytest.fixture(scope="module")
def sso_server(provider: LocalOpenIdProvider, tmp_path_factory) -> Iterator[tuple[str, str]]:
    """(base URL, database URL) of a server configured for the provider."""
    workdir = tmp_path_factory.mktemp("oidc-server")
    env = {
        "STATEWRIGHT_STORAGE_SECRET": "e2e-oidc",
        "STATEWRIGHT_ADMIN_PASSWORD": "e2e-admin-password",
        "STATEWRIGHT_OIDC_ISSUER": provider.issuer,
        "STATEWRIGHT_OIDC_CLIENT_ID": provider.client_id,
        "STATEWRIGHT_OIDC_CLIENT_SECRET": provider.client_secret,
        "STATEWRIGHT_OIDC_PROVIDER_NAME": PROVIDER_NAME,
        "STATEWRIGHT_OIDC_ROLE_MAP": "sw-admins=admin,sw-ops=operator,claims-team=claims",
    }
    with running_server(workdir, env) as url:
        yield url, f"sqlite:///{workdir / 'e2e.db'}"


@pytest.fixture
def misbehaving(provider: LocalOpenIdProvider) -> Iterator[LocalOpenIdProvider]:
    """The provider, put back to honest behaviour and to Olga after the test."""
    yield provider
    provider.id_token_overrides = {}
    provider.mangle_id_token = lambda token: token
    provider.callback_overrides = {}
    provider.user_claims = OLGA


def sign_in(page: Page, base_url: str) -> None:
    page.goto(base_url + "/login")
    button = page.get_by_test_id("oidc-login")
    expect(button).to_contain_text(f"Sign in with {PROVIDER_NAME}")
    button.click()


def refusal(page: Page, base_url: str) -> str:
    page.wait_for_url(base_url + "/login")
    problem = page.get_by_test_id("login-problem")
    expect(problem).to_be_visible()
    return problem.inner_text()


def nav_entries(page: Page) -> list[str]:
    return page.locator("[data-nav]").evaluate_all("links => links.map(l => l.dataset.nav)")


def test_a_provider_user_signs_in_and_their_groups_become_roles(
    browser_page: Page, sso_server: tuple[str, str]
) -> None:
    base_url, db_url = sso_server
    browser_page.goto(base_url + "/login")
    expect(browser_page.get_by_test_id("oidc-login")).to_be_visible()
    browser_page.screenshot(path=str(ARTIFACTS / "oidc-login-page.png"))
    started = time.perf_counter()
    sign_in(browser_page, base_url)
    browser_page.wait_for_url(base_url + "/instances")  # an operator lands on the instances
    expect(browser_page.get_by_text("olga", exact=True)).to_be_visible()
    print(
        f"\nSSO round trip (login page -> provider -> callback -> /): "
        f"{(time.perf_counter() - started) * 1000:.0f} ms"
    )
    assert nav_entries(browser_page) == ["processes", "instances", "tasks"]
    browser_page.screenshot(path=str(ARTIFACTS / "oidc-signed-in.png"))
    with IdentityService(db_url) as identity:
        olga = identity.get_user("olga")
    assert olga.roles == ("claims", "operator")
    assert olga.oidc_subject.endswith("|00u-olga") and not olga.has_password
    assert olga.email == "olga@example.com" and olga.last_login_at is not None
    browser_page.goto(base_url + "/admin")
    expect(browser_page.get_by_text("olga may not do this")).to_be_visible()


def test_a_changed_group_changes_the_role_at_the_next_sign_in(
    browser_page: Page, sso_server: tuple[str, str], misbehaving: LocalOpenIdProvider
) -> None:
    base_url, db_url = sso_server
    misbehaving.user_claims = {**OLGA, "groups": ["sw-admins"]}
    sign_in(browser_page, base_url)
    browser_page.wait_for_url(base_url + "/")
    assert "admin" in nav_entries(browser_page)
    browser_page.goto(base_url + "/admin")
    row = browser_page.get_by_test_id("user-table").locator("tr", has_text="olga")
    expect(row).to_contain_text("oidc")
    expect(row).to_contain_text("admin")
    browser_page.screenshot(path=str(ARTIFACTS / "oidc-admin-sees-oidc-user.png"))
    with IdentityService(db_url) as identity:
        assert identity.get_user("olga").roles == ("admin",)


def _forge_groups(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["groups"] = ["sw-admins"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def test_a_tampered_id_token_is_refused(
    browser_page: Page, sso_server: tuple[str, str], misbehaving: LocalOpenIdProvider
) -> None:
    base_url, _ = sso_server
    misbehaving.user_claims = {**OLGA, "sub": "00u-mallory", "preferred_username": "mallory"}
    misbehaving.mangle_id_token = _forge_groups
    sign_in(browser_page, base_url)
    assert "signature does not verify" in refusal(browser_page, base_url)
    browser_page.screenshot(path=str(ARTIFACTS / "oidc-tampered-token-refused.png"))
    browser_page.goto(base_url + "/")
    browser_page.wait_for_url(base_url + "/login?next=/")


def test_an_id_token_for_another_client_is_refused(
    browser_page: Page, sso_server: tuple[str, str], misbehaving: LocalOpenIdProvider
) -> None:
    base_url, _ = sso_server
    misbehaving.id_token_overrides = {"aud": "another-app"}
    sign_in(browser_page, base_url)
    assert "audience 'another-app' does not include this client" in refusal(browser_page, base_url)


def test_an_expired_id_token_is_refused(
    browser_page: Page, sso_server: tuple[str, str], misbehaving: LocalOpenIdProvider
) -> None:
    base_url, _ = sso_server
    now = int(time.time())
    misbehaving.id_token_overrides = {"iat": now - 7200, "exp": now - 3600}
    sign_in(browser_page, base_url)
    assert "The ID token expired at" in refusal(browser_page, base_url)


def test_a_callback_with_a_forged_state_is_refused(
    browser_page: Page, sso_server: tuple[str, str], misbehaving: LocalOpenIdProvider
) -> None:
    base_url, _ = sso_server
    misbehaving.callback_overrides = {"state": "chosen-by-an-attacker"}
    sign_in(browser_page, base_url)
    assert "state does not match" in refusal(browser_page, base_url)
    # The pending login was used up: replaying the callback finds none.
    browser_page.goto(base_url + "/auth/oidc/callback?code=stolen&state=whatever")
    assert "No sign-in with Acme SSO was started" in refusal(browser_page, base_url)
    browser_page.screenshot(path=str(ARTIFACTS / "oidc-no-login-started.png"))
