"""OpenID Connect login against a real local provider (tests/oidc_provider.py): the code
flow with PKCE end to end, and refusals of tampered, misaddressed, expired or replayed
ID tokens."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from api_callers import cheap_passwords  # noqa: F401 (fixture)
from joserfc.jwk import RSAKey
from oidc_provider import LocalOpenIdProvider

from runtime.security.identity import IdentityService, OidcClient, OidcConfig, OidcError
from runtime.security.identity.oidc import parse_role_map

pytestmark = pytest.mark.usefixtures("cheap_passwords")

REDIRECT_URI = "http://127.0.0.1:8080/auth/callback"
ROLE_MAP = {"wf-admins": ("admin",), "underwriters": ("underwriter", "operator")}

STRONG = "correct horse battery staple"


@pytest.fixture(scope="module")
def provider():
    claims = {
        "sub": "a1b2c3",
        "preferred_username": "uma",
        "name": "Uma Underwriter",
        "email": "uma@example.com",
        "groups": ["underwriters", "cafeteria"],
    }
    with LocalOpenIdProvider(user_claims=claims) as running:
        yield running


@pytest.fixture
def client(provider):
    provider.id_token_overrides = {}
    provider.mangle_id_token = lambda token: token
    config = OidcConfig(
        issuer=provider.issuer,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        role_map=ROLE_MAP,
    )
    with httpx.Client(timeout=10) as http:
        yield OidcClient(config, http=http)


def log_in(client):
    """Play the browser: follow the authorization URL to the provider's redirect."""
    pending = client.begin_login(REDIRECT_URI)
    answer = httpx.get(pending.authorization_url, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    location = urlsplit(answer.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    params = {key: values[0] for key, values in parse_qs(location.query).items()}
    return pending, params


def test_code_flow_with_pkce_logs_in_and_provisions_the_user(client, db_url):
    pending, params = log_in(client)
    query = parse_qs(urlsplit(pending.authorization_url).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] == [pending.nonce]
    identity = client.complete_login(pending, params)
    assert (identity.username, identity.email) == ("uma", "uma@example.com")
    assert identity.roles == ("operator", "underwriter")
    with IdentityService(db_url) as service:
        principal = service.provision_oidc_user(identity)
        assert principal.via == "oidc" and principal.can("instances.start")
        user = service.get_user("uma")
        assert user.display_name == "Uma Underwriter" and not user.has_password
        assert user.last_login_at is not None
        # The provider is the source of roles: a later login replaces them.
        regrouped = replace(identity, roles=("admin",))
        assert service.provision_oidc_user(regrouped).roles == {"admin"}
        service.disable("uma")
        with pytest.raises(OidcError, match="The account 'uma' is disabled"):
            service.provision_oidc_user(identity)


def test_a_provider_user_cannot_take_over_a_local_account(client, db_url):
    with IdentityService(db_url) as service:
        service.create_user("uma", password=STRONG, roles=["manager"])
        identity = client.complete_login(*log_in(client))
        with pytest.raises(OidcError, match=r"'uma' .* already used by another account"):
            service.provision_oidc_user(identity)


def test_a_rotated_provider_key_is_fetched_without_a_restart(client, provider):
    assert client.complete_login(*log_in(client)).username == "uma"
    old_key = provider.key
    provider.key = RSAKey.generate_key(2048, parameters={"kid": "test-key-2", "use": "sig"})
    try:
        assert client.complete_login(*log_in(client)).username == "uma"
    finally:
        provider.key = old_key


def test_a_code_is_useless_without_the_pkce_verifier(client):
    pending, params = log_in(client)
    stolen = replace(pending, code_verifier="x" * 64)
    with pytest.raises(OidcError, match="PKCE code_verifier does not match"):
        client.complete_login(stolen, params)


def test_a_tampered_id_token_is_refused(client, provider):
    def promote_to_admin(token):
        header, payload, signature = token.split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        claims["groups"] = ["wf-admins"]
        forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        return f"{header}.{forged}.{signature}"

    provider.mangle_id_token = promote_to_admin
    with pytest.raises(OidcError, match="signature does not verify"):
        client.complete_login(*log_in(client))


def test_an_id_token_for_another_client_is_refused(client, provider):
    provider.id_token_overrides = {"aud": "some-other-app"}
    with pytest.raises(OidcError, match="audience 'some-other-app' does not include"):
        client.complete_login(*log_in(client))


def test_an_expired_id_token_is_refused(client, provider):
    now = int(time.time())
    provider.id_token_overrides = {"iat": now - 7200, "exp": now - 3600}
    with pytest.raises(OidcError, match="The ID token expired at"):
        client.complete_login(*log_in(client))


def test_an_id_token_with_another_nonce_is_refused(client, provider):
    provider.id_token_overrides = {"nonce": "replayed-from-another-login"}
    with pytest.raises(OidcError, match="nonce does not match"):
        client.complete_login(*log_in(client))


def test_a_wrong_issuer_and_a_mismatched_state_are_refused(client, provider):
    provider.id_token_overrides = {"iss": "http://evil.invalid"}
    with pytest.raises(OidcError, match=r"issuer 'http://evil\.invalid'"):
        client.complete_login(*log_in(client))
    pending, params = log_in(client)
    with pytest.raises(OidcError, match="state does not match"):
        client.complete_login(pending, {**params, "state": "forged"})
    with pytest.raises(OidcError, match="refused the login: access_denied"):
        client.complete_login(pending, {"error": "access_denied", "state": pending.state})


def test_configuration_comes_from_the_environment():
    env = {
        "STATEWRIGHT_OIDC_ISSUER": "https://login.example.com",
        "STATEWRIGHT_OIDC_CLIENT_ID": "statewright",
        "STATEWRIGHT_OIDC_ROLES_CLAIM": "realm_access.roles",
        "STATEWRIGHT_OIDC_ROLE_MAP": '{"wf-admins": ["admin"], "underwriters": "underwriter"}',
    }
    config = OidcConfig.from_env(env)
    assert config.role_map == {"wf-admins": ("admin",), "underwriters": ("underwriter",)}
    client = OidcClient(config)
    claims = {"realm_access": {"roles": ["underwriters", "wf-admins", "other"]}}
    assert client.map_roles(claims) == ("admin", "underwriter")
    assert OidcConfig.from_env({}) is None
    with pytest.raises(OidcError, match="CLIENT_ID is empty"):
        OidcConfig.from_env({"STATEWRIGHT_OIDC_ISSUER": "https://login.example.com"})


def test_a_bad_role_map_names_the_variable_and_the_problem():
    with pytest.raises(OidcError, match="ROLE_MAP is not valid JSON"):
        parse_role_map("{wf-admins: admin}")
    with pytest.raises(OidcError, match=r"ROLE_MAP\['x'\] must be a role name or a list"):
        parse_role_map('{"x": 3}')
    with pytest.raises(OidcError, match=r"ROLE_MAP\['x'\]: Invalid role name 'bad role'"):
        parse_role_map('{"x": ["bad role"]}')
