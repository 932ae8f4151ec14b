"""Which single sign-on the web app offers, read from `STATEWRIGHT_OIDC_*`; a broken
configuration is reported by name and leaves password logins working."""

from __future__ import annotations

import logging

import pytest

from designer.app import configured_single_sign_on
from designer.oidc_login import OidcWebLogin, oidc_login_url
from runtime.identity import OidcError

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
