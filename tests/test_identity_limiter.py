"""The token-bucket limiter: bursts up to capacity, then a retry-after that is honest."""

from __future__ import annotations

import threading

import pytest

from runtime.security.identity import RateLimiter, RequestLimits, retry_after_header


class Seconds:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_is_allowed_then_refused_with_the_wait():
    clock = Seconds()
    limiter = RateLimiter(capacity=3, refill_per_s=0.5, clock=clock)
    assert [limiter.acquire("token:a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire("token:a") == pytest.approx(2.0)
    clock.now += 1.0
    assert limiter.acquire("token:a") == pytest.approx(1.0)
    clock.now += 1.0
    assert limiter.acquire("token:a") == 0.0


def test_keys_are_independent_and_refill_is_capped():
    clock = Seconds()
    limiter = RateLimiter(capacity=2, refill_per_s=1.0, clock=clock)
    limiter.acquire("ip:10.0.0.1")
    limiter.acquire("ip:10.0.0.1")
    assert limiter.acquire("ip:10.0.0.1") > 0
    assert limiter.acquire("ip:10.0.0.2") == 0.0
    clock.now += 3600
    assert [limiter.acquire("ip:10.0.0.1") for _ in range(3)][2] > 0


def test_concurrent_callers_never_get_more_than_the_capacity():
    limiter = RateLimiter(capacity=50, refill_per_s=0.001, clock=Seconds())
    allowed = []

    def hammer():
        for _ in range(40):
            if limiter.acquire("token:shared") == 0.0:
                allowed.append(1)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 50


def test_memory_stays_bounded_by_forgetting_full_buckets():
    clock = Seconds()
    limiter = RateLimiter(capacity=1, refill_per_s=1.0, clock=clock, max_keys=10)
    for n in range(10):
        limiter.acquire(f"ip:{n}")
    clock.now += 5
    limiter.acquire("ip:new")
    assert len(limiter._buckets) == 1


def test_request_limits_count_addresses_and_tokens_apart():
    clock = Seconds()
    limits = RequestLimits(
        per_ip=RateLimiter(5, 1.0, clock=clock), per_token=RateLimiter(1, 0.1, clock=clock)
    )
    assert limits.check_ip("10.0.0.1") == 0.0 and limits.check_token("tok1") == 0.0
    assert limits.check_token("tok1") == pytest.approx(10.0)
    assert limits.check_token("tok2") == 0.0
    assert [limits.check_ip("10.0.0.1") for _ in range(5)][-1] == pytest.approx(1.0)
    assert retry_after_header(0.2) == "1" and retry_after_header(10.0) == "10"


def test_nonsense_limits_are_refused():
    with pytest.raises(ValueError, match="capacity >= 1"):
        RateLimiter(capacity=0, refill_per_s=1.0)
