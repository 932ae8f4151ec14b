"""What the Admin page adds to the identity layer, on SQLite and PostgreSQL: unlocking an
account without touching its password, the append-only record of admin acts, and the short
`group=role` form of the OIDC role map."""

from __future__ import annotations

from datetime import timedelta

import pytest
from api_callers import cheap_passwords  # noqa: F401 (fixture)

from runtime.security.identity import AuthenticationFailed, IdentityService, OidcError, UnknownUser
from runtime.security.identity.oidc import parse_role_map

STRONG = "correct horse battery staple"

pytestmark = pytest.mark.usefixtures("cheap_passwords")


@pytest.fixture
def service(db_url, clock):
    identity = IdentityService(db_url, clock=clock)
    yield identity
    identity.close()


def test_unlock_lifts_a_lock_out_and_keeps_the_password(service, clock):
    service.create_user("mo", password=STRONG, roles=["manager"])
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            service.authenticate("mo", "wrong guess")
    locked = service.get_user("mo")
    assert locked.failed_logins == 5 and locked.locked_until > clock.now()
    unlocked = service.unlock("mo")
    assert unlocked.failed_logins == 0 and unlocked.locked_until is None
    assert service.authenticate("mo", STRONG).username == "mo"
    with pytest.raises(UnknownUser, match="No user named 'nobody'"):
        service.unlock("nobody")


def test_admin_acts_are_kept_newest_first_with_their_actor_and_time(service, clock):
    service.record_admin_act("ada", "user.create", "mo", "roles: manager")
    clock.advance(300)
    service.record_admin_act("ada", "token.revoke", "0123456789abcdef")
    acts = service.admin_acts()
    assert [(a.actor, a.action, a.target) for a in acts] == [
        ("ada", "token.revoke", "0123456789abcdef"),
        ("ada", "user.create", "mo"),
    ]
    assert acts[0].at - acts[1].at == timedelta(minutes=5)
    assert acts[1].detail == "roles: manager" and acts[0].detail == ""
    assert len(service.admin_acts(limit=1)) == 1


def test_an_overlong_detail_is_cut_rather_than_refused(service):
    service.record_admin_act("ada", "user.roles", "mo", "x" * 5000)
    assert len(service.admin_acts()[0].detail) == 1000


def test_the_role_map_may_be_written_as_group_equals_role_pairs():
    assert parse_role_map("sw-admins=admin, sw-ops=operator,sw-ops=underwriter") == {
        "sw-admins": ("admin",),
        "sw-ops": ("operator", "underwriter"),
    }
    with pytest.raises(OidcError, match=r"ROLE_MAP item 2 \('sw-ops'\) is not group=role"):
        parse_role_map("sw-admins=admin,sw-ops")
    with pytest.raises(OidcError, match=r"ROLE_MAP\['x'\]: Invalid role name 'bad role'"):
        parse_role_map("x=bad role")
