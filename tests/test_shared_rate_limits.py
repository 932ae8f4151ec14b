"""Rate limits and the login limit shared by every server process: two limiters (or two
identity services) on one store are one bucket, in the database or in Redis."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from api_callers import cheap_passwords  # noqa: F401 (fixture)

from runtime.security.identity import AuthenticationFailed, IdentityService, RateLimited
from runtime.security.identity.database import create_identity_engine
from runtime.security.identity.shared_limits import (
    DEFAULT_REDIS_URL,
    DatabaseRateLimiter,
    LimiterFactory,
    RedisRateLimiter,
    chosen_store,
)

REDIS_URL = os.environ.get("STATEWRIGHT_TEST_REDIS_URL", DEFAULT_REDIS_URL)


class Seconds:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def redis_client() -> Iterator[object]:
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.skip(f"Redis at {REDIS_URL} is not reachable: {exc}")
    yield client
    client.close()


@pytest.fixture(params=["database", "redis"])
def two_processes(request: pytest.FixtureRequest, db_url: str):
    """A factory of limiters as two processes would make them, on one store."""
    clock = Seconds()
    if request.param == "redis":
        client = request.getfixturevalue("redis_client")
        prefix = f"test:{uuid.uuid4().hex}:"
        yield clock, lambda: RedisRateLimiter(client, 3, 0.5, clock, prefix=prefix)
        return
    engines = []

    def make() -> DatabaseRateLimiter:
        engines.append(create_identity_engine(db_url))
        return DatabaseRateLimiter(engines[-1], 3, 0.5, clock)

    yield clock, make
    for engine in engines:
        engine.dispose()


def test_two_processes_draw_from_one_bucket(two_processes) -> None:
    clock, make = two_processes
    first, second = make(), make()
    assert [first.acquire("ip:10.0.0.7"), second.acquire("ip:10.0.0.7")] == [0.0, 0.0]
    assert first.acquire("ip:10.0.0.7") == 0.0
    assert second.acquire("ip:10.0.0.7") == pytest.approx(2.0)  # 1 token at 0.5/s
    assert first.acquire("ip:10.0.0.8") == 0.0  # another address has its own bucket
    clock.now += 2.0
    assert second.acquire("ip:10.0.0.7") == 0.0
    second.reset("ip:10.0.0.7")
    assert [first.acquire("ip:10.0.0.7") for _ in range(3)] == [0.0, 0.0, 0.0]


@pytest.mark.usefixtures("cheap_passwords")
def test_login_guessing_is_limited_across_processes(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATEWRIGHT_RATE_LIMITS", "database")
    with IdentityService(db_url) as one, IdentityService(db_url) as two:
        for n in range(20):  # the limit is 20 attempts a minute from one address
            with pytest.raises(AuthenticationFailed):
                (one, two)[n % 2].authenticate(f"guess{n}", "wrong-password", "203.0.113.9")
        with pytest.raises(RateLimited):
            one.authenticate("guess20", "wrong-password", "203.0.113.9")
        with pytest.raises(RateLimited):
            two.authenticate("guess21", "wrong-password", "203.0.113.9")


@pytest.mark.usefixtures("cheap_passwords")
def test_an_account_locked_in_one_process_is_locked_in_the_other(db_url: str) -> None:
    with IdentityService(db_url) as one, IdentityService(db_url) as two:
        one.create_user("ana", password="correct-horse-battery", roles=["analyst"])
        for _ in range(5):
            with pytest.raises(AuthenticationFailed):
                one.authenticate("ana", "not-her-password", "198.51.100.1")
        assert two.get_user("ana").locked_until is not None
        with pytest.raises(AuthenticationFailed):  # even with the right password
            two.authenticate("ana", "correct-horse-battery", "198.51.100.2")


def test_the_store_follows_the_configuration() -> None:
    assert chosen_store("sqlite", {}) == "memory"
    assert chosen_store("postgresql", {}) == "database"
    assert chosen_store("sqlite", {"STATEWRIGHT_REDIS_URL": "redis://cache:6379/1"}) == "redis"
    assert chosen_store("postgresql", {"STATEWRIGHT_RATE_LIMITS": "Memory"}) == "memory"
    with pytest.raises(ValueError, match="STATEWRIGHT_RATE_LIMITS='disk' is not a rate-limit"):
        chosen_store("sqlite", {"STATEWRIGHT_RATE_LIMITS": "disk"})


def test_the_api_uses_redis_when_configured(
    redis_client, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATEWRIGHT_REDIS_URL", REDIS_URL)
    with IdentityService(sqlite_url) as identity:
        assert identity.limiters.store == "redis"
        limits = identity.request_limits()
        assert isinstance(limits.per_ip, RedisRateLimiter)
        key = f"test-{uuid.uuid4().hex}"
        assert limits.check_ip(key) == 0.0
        assert redis_client.exists(f"statewright:rate:ip:{key}")


def test_a_factory_on_sqlite_defaults_to_memory(sqlite_url: str) -> None:
    factory = LimiterFactory(create_identity_engine(sqlite_url), {})
    assert factory.store == "memory"
