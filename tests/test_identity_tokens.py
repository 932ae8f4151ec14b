"""API tokens on SQLite and PostgreSQL: shown once, stored hashed, refused at once when
revoked, expired or their owner is disabled."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from api_callers import cheap_passwords  # noqa: F401 (fixture)
from sqlalchemy import select

from runtime.core.clock import ManualClock
from runtime.security.identity import (
    IdentityService,
    PermissionDenied,
    RateLimited,
    RateLimiter,
    RequestLimits,
    TokenInvalid,
    UnknownToken,
    authorize_api_call,
)
from runtime.security.identity.database import create_identity_engine
from runtime.security.identity.tables import api_tokens

pytestmark = pytest.mark.usefixtures("cheap_passwords")

STRONG = "correct horse battery staple"


@pytest.fixture
def clock():
    """The engine's own clock type: the service accepts it as it is."""
    return ManualClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def service(db_url, clock):
    identity = IdentityService(db_url, clock=clock)
    identity.create_user("olga", password=STRONG, roles=["operator"])
    yield identity
    identity.close()


def test_a_token_resolves_to_its_user_and_only_a_hash_is_stored(service, db_url):
    token_id, secret = service.create_token("olga", "nightly import")
    assert secret.startswith(f"swt_{token_id}_")
    principal = service.verify_token(f"Bearer {secret}")
    assert (principal.username, principal.via, principal.token_id) == ("olga", "token", token_id)
    assert principal.can("instances.start") and not principal.can("admin.users")
    engine = create_identity_engine(db_url)
    with engine.connect() as conn:
        stored = conn.execute(select(api_tokens.c.secret_sha256)).scalar_one()
    engine.dispose()
    assert len(stored) == 64 and stored not in secret


def test_revocation_takes_effect_on_the_next_call(service, clock):
    token_id, secret = service.create_token("olga", "ci")
    service.verify_token(secret)
    service.revoke_token(token_id)
    with pytest.raises(TokenInvalid, match=f"token {token_id} has been revoked"):
        service.verify_token(secret)
    assert service.list_tokens("olga")[0].status(clock.now()) == "revoked"


def test_an_expired_token_is_refused(service, clock):
    token_id, secret = service.create_token("olga", "one hour", expires_in_s=3600)
    clock.advance(3599)
    assert service.verify_token(secret).username == "olga"
    clock.advance(1)
    with pytest.raises(TokenInvalid, match=f"token {token_id} expired at 2026-03-01T10:00:00"):
        service.verify_token(secret)


def test_a_disabled_owner_makes_the_token_useless(service):
    _, secret = service.create_token("olga", "ci")
    service.disable("olga")
    with pytest.raises(TokenInvalid, match="disabled user"):
        service.verify_token(secret)


def test_wrong_secret_and_malformed_tokens_are_refused(service):
    _, secret = service.create_token("olga", "ci")
    forged = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    with pytest.raises(TokenInvalid, match="The bearer token is not valid"):
        service.verify_token(forged)
    with pytest.raises(TokenInvalid, match="malformed"):
        service.verify_token("swt_not-a-token")
    unknown = f"swt_{'0' * 16}_{secret.split('_', 2)[2]}"
    with pytest.raises(TokenInvalid, match="not valid"):
        service.verify_token(unknown)


def test_tokens_are_listed_without_secrets_and_revoked_only_by_their_owner(service, clock):
    service.create_user("ana", password=STRONG, roles=["analyst"])
    olga_token, _ = service.create_token("olga", "ci")
    clock.advance(1)
    service.create_token("ana", "notebook")
    assert [t.name for t in service.list_tokens()] == ["notebook", "ci"]
    listed = service.list_tokens("olga")
    assert [(t.token_id, t.status(clock.now())) for t in listed] == [(olga_token, "active")]
    with pytest.raises(UnknownToken, match="of user 'ana'"):
        service.revoke_token(olga_token, username="ana")
    with pytest.raises(UnknownToken, match="No token 'nope' exists"):
        service.revoke_token("nope")


def test_token_arguments_are_checked(service):
    with pytest.raises(ValueError, match="needs a name"):
        service.create_token("olga", "  ")
    with pytest.raises(ValueError, match="must be positive"):
        service.create_token("olga", "ci", expires_in_s=0)


def test_an_api_call_is_limited_authenticated_and_authorized(service, clock):
    limits = RequestLimits(
        per_ip=RateLimiter(3, 1.0, clock=lambda: clock.now().timestamp()),
        per_token=RateLimiter(2, 0.5, clock=lambda: clock.now().timestamp()),
    )
    _, secret = service.create_token("olga", "ci")
    header = f"Bearer {secret}"
    olga = authorize_api_call(service, limits, header, "10.0.0.1", "instances.start")
    assert olga.username == "olga"
    with pytest.raises(PermissionDenied, match=r"may not do 'definitions\.publish'"):
        authorize_api_call(service, limits, header, "10.0.0.2", "definitions.publish")
    with pytest.raises(RateLimited) as limited:
        authorize_api_call(service, limits, header, "10.0.0.3")
    assert limited.value.retry_after_s == pytest.approx(2.0)
    with pytest.raises(TokenInvalid, match="needs an API token"):
        authorize_api_call(service, limits, None, "10.0.0.1")
    with pytest.raises(TokenInvalid, match="Unsupported authorization scheme 'negotiate'"):
        authorize_api_call(service, limits, "Negotiate b2xnYTpw", "10.0.0.1")
    with pytest.raises(TokenInvalid, match="Wrong username or password"):
        authorize_api_call(service, limits, "Basic b2xnYTpw", "10.0.0.4")
    with pytest.raises(RateLimited, match=r"from 10\.0\.0\.1"):
        authorize_api_call(service, limits, header, "10.0.0.1")


def test_the_cost_of_checking_a_token_is_measured(service, db_url):
    """Every API call resolves its token in the database (nothing cached, so revocation is
    immediate); print what that costs. Measured, not asserted."""
    _, secret = service.create_token("olga", "bench")
    service.verify_token(secret)
    calls = 300
    began = time.perf_counter()
    for _ in range(calls):
        service.verify_token(secret)
    per_call_ms = (time.perf_counter() - began) / calls * 1000
    print(f"\ntoken check on {db_url.split(':')[0]}: {per_call_ms:.2f} ms per call")
