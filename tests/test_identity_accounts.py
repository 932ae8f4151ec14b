"""Accounts on SQLite and PostgreSQL (`db_url` and the engine's `ManualClock` from
conftest): the first admin, argon2 passwords, roles, lock-out."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from api_callers import cheap_passwords  # noqa: F401 (fixture)
from argon2 import PasswordHasher
from sqlalchemy import select, update

from runtime.security.identity import (
    AuthenticationFailed,
    IdentityService,
    InvalidName,
    PasswordPolicyError,
    RateLimited,
    RateLimiter,
    UnknownUser,
    UserExists,
    lockout_delay_s,
    passwords,
)
from runtime.security.identity.database import create_identity_engine
from runtime.security.identity.tables import users

pytestmark = pytest.mark.usefixtures("cheap_passwords")

STRONG = "correct horse battery staple"


@pytest.fixture
def service(db_url, clock):
    identity = IdentityService(db_url, clock=clock)
    yield identity
    identity.close()


def test_fresh_database_gets_an_admin_with_a_one_time_password(service, monkeypatch):
    monkeypatch.delenv("STATEWRIGHT_ADMIN_PASSWORD", raising=False)
    one_time = service.ensure_first_admin()
    assert one_time and len(one_time) >= 20
    admin = service.get_user("admin")
    assert admin.roles == ("admin",) and admin.must_change_password
    principal = service.authenticate("admin", one_time, ip="10.0.0.1")
    assert principal.must_change_password and principal.can("admin.users")
    # A second server start finds the admin and prints nothing.
    assert service.ensure_first_admin() is None


def test_first_admin_uses_the_configured_password(service, monkeypatch):
    monkeypatch.setenv("STATEWRIGHT_ADMIN_PASSWORD", "from-the-environment-42")
    assert service.ensure_first_admin() is None
    assert not service.get_user("admin").must_change_password
    assert service.authenticate("admin", "from-the-environment-42").username == "admin"


def test_a_weak_configured_admin_password_is_refused_naming_the_variable(service, monkeypatch):
    monkeypatch.setenv("STATEWRIGHT_ADMIN_PASSWORD", "short")
    with pytest.raises(PasswordPolicyError, match="STATEWRIGHT_ADMIN_PASSWORD is too short"):
        service.ensure_first_admin()


def test_passwords_are_stored_as_argon2id_hashes(service, db_url):
    service.create_user("ana", password=STRONG, roles=["analyst"])
    engine = create_identity_engine(db_url)
    with engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash)).scalar_one()
    engine.dispose()
    assert stored.startswith("$argon2id$") and STRONG not in stored


def test_a_user_holds_several_roles_and_changes_apply_at_once(service):
    service.create_user("olga", password=STRONG, roles=["operator", "underwriter"])
    olga = service.authenticate("olga", STRONG)
    assert olga.roles == {"operator", "underwriter"}
    assert olga.task_roles == {"underwriter"} and olga.can("tasks.work")
    service.set_roles("olga", ["manager"])
    reloaded = service.principal_for("olga", "password")
    assert reloaded.roles == {"manager"} and not reloaded.can("instances.start")


def test_wrong_password_unknown_user_and_disabled_user_get_the_same_refusal(service):
    service.create_user("ana", password=STRONG, roles=["analyst"])
    service.create_user("ben", password=STRONG, roles=["analyst"])
    service.disable("ben")
    messages = set()
    for username, password in [("ana", "wrong password!!"), ("nobody", STRONG), ("ben", STRONG)]:
        with pytest.raises(AuthenticationFailed) as refused:
            service.authenticate(username, password, ip="10.0.0.2")
        messages.add(str(refused.value))
    assert len(messages) == 1
    with pytest.raises(AuthenticationFailed):
        service.principal_for("ben", "password")


def test_five_failures_lock_the_account_with_a_growing_delay(service, clock):
    service.create_user("ana", password=STRONG, roles=["analyst"])
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            service.authenticate("ana", "not her password", ip="10.0.0.3")
    user = service.get_user("ana")
    assert user.failed_logins == 5 and user.locked_until == clock.now() + timedelta(seconds=30)
    # Locked: even the right password is refused until the lock ends.
    clock.advance(29)
    with pytest.raises(AuthenticationFailed):
        service.authenticate("ana", STRONG, ip="10.0.0.3")
    clock.advance(2)
    with pytest.raises(AuthenticationFailed):  # 6th failure: locked for 60 s now
        service.authenticate("ana", "still wrong!!", ip="10.0.0.3")
    assert service.get_user("ana").locked_until == clock.now() + timedelta(seconds=60)
    clock.advance(61)
    assert service.authenticate("ana", STRONG, ip="10.0.0.3").username == "ana"
    user = service.get_user("ana")
    assert user.failed_logins == 0 and user.locked_until is None


def test_lockout_delay_doubles_and_is_capped():
    assert [lockout_delay_s(n) for n in range(1, 10)] == [0, 0, 0, 0, 30, 60, 120, 240, 480]
    assert lockout_delay_s(50) == 15 * 60


def test_many_attempts_from_one_address_are_rate_limited(db_url, clock):
    per_address = RateLimiter(capacity=3, refill_per_s=1 / 3, clock=lambda: clock.now().timestamp())
    service = IdentityService(db_url, clock=clock, login_limiter=per_address)
    try:
        service.create_user("ana", password=STRONG)
        for attempt in range(3):
            with pytest.raises(AuthenticationFailed):
                service.authenticate(f"guess{attempt}", "some password!", ip="203.0.113.9")
        with pytest.raises(RateLimited, match=r"from 203\.0\.113\.9; try again in 3 s") as limited:
            service.authenticate("ana", STRONG, ip="203.0.113.9")
        assert limited.value.retry_after_s == pytest.approx(3.0)
        assert service.authenticate("ana", STRONG, ip="198.51.100.1").username == "ana"
        clock.advance(3)
        assert service.authenticate("ana", STRONG, ip="203.0.113.9").username == "ana"
    finally:
        service.close()


def test_password_policy_and_change(service):
    service.create_user("ana", password=STRONG)
    with pytest.raises(PasswordPolicyError, match="at least 12 characters"):
        service.change_password("ana", "tooshort")
    with pytest.raises(PasswordPolicyError, match="must not be the username"):
        service.create_user("marguerite99x", password="Marguerite99x")
    with pytest.raises(AuthenticationFailed):
        service.change_password("ana", "a brand new passphrase", current_password="not it at all")
    service.change_password("ana", "a brand new passphrase", current_password=STRONG)
    with pytest.raises(AuthenticationFailed):
        service.authenticate("ana", STRONG)
    assert service.authenticate("ana", "a brand new passphrase").username == "ana"


def test_admin_reset_lifts_a_lockout_and_can_force_a_change(service):
    service.create_user("ana", password=STRONG)
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            service.authenticate("ana", "not her password")
    service.change_password("ana", "reset by the admin", temporary=True)
    assert service.authenticate("ana", "reset by the admin").must_change_password


def test_bad_names_and_duplicates_are_refused(service):
    with pytest.raises(InvalidName, match="Invalid username ' ana'"):
        service.create_user(" ana")
    with pytest.raises(InvalidName, match="Invalid role name 'under writer'"):
        service.create_user("ana", roles=["under writer"])
    service.create_user("ana")
    with pytest.raises(UserExists, match="'ana' already exists"):
        service.create_user("ana")
    with pytest.raises(UnknownUser, match="No user named 'zoe'"):
        service.set_roles("zoe", ["admin"])


def test_a_user_without_a_password_cannot_log_in_with_one(service):
    service.create_user("sso-only", roles=["manager"])
    assert not service.get_user("sso-only").has_password
    with pytest.raises(AuthenticationFailed):
        service.authenticate("sso-only", "")


def test_enable_restores_a_disabled_user(service):
    service.create_user("ana", password=STRONG)
    assert service.disable("ana").disabled
    assert not service.enable("ana").disabled
    assert service.authenticate("ana", STRONG).username == "ana"
    assert [user.username for user in service.list_users()] == ["ana"]


def test_a_hash_with_outdated_parameters_is_upgraded_at_login(service, db_url):
    service.create_user("ana", password=STRONG)
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(STRONG)
    engine = create_identity_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(update(users).values(password_hash=weak))
        service.authenticate("ana", STRONG)
        with engine.connect() as conn:
            upgraded = conn.execute(select(users.c.password_hash)).scalar_one()
    finally:
        engine.dispose()
    assert upgraded != weak and not passwords.needs_rehash(upgraded)
    assert service.authenticate("ana", STRONG).username == "ana"


def test_two_servers_starting_together_create_one_admin(db_url, monkeypatch):
    monkeypatch.delenv("STATEWRIGHT_ADMIN_PASSWORD", raising=False)
    servers = [IdentityService(db_url) for _ in range(2)]
    start = threading.Barrier(2)
    printed = []

    def boot(server):
        start.wait()
        printed.append(server.ensure_first_admin())

    threads = [threading.Thread(target=boot, args=(server,)) for server in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        passwords = [p for p in printed if p is not None]
        assert len(passwords) == 1
        assert servers[0].authenticate("admin", passwords[0]).can("admin.users")
    finally:
        for server in servers:
            server.close()
