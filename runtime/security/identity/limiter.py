"""Rate limiting: one token bucket per key (an API token id, a client IP).

A bucket holds up to `capacity` requests and refills at `refill_per_s`; a request that
finds it empty is told how many seconds until it would succeed, which the API returns as
`429` with `Retry-After`. `RateLimiter` keeps its buckets in this process;
`shared_limits` keeps them in the database or Redis for every process (what `serve` uses
on PostgreSQL or with Redis configured).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol


class Limiter(Protocol):
    def acquire(self, key: str) -> float:
        """Take one request from `key`'s bucket: 0.0 when allowed, else the seconds to wait."""
        ...

    def reset(self, key: str) -> None: ...


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Thread-safe token buckets keyed by string; `clock` returns seconds (monotonic)."""

    def __init__(
        self,
        capacity: int,
        refill_per_s: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        if capacity < 1 or refill_per_s <= 0:
            raise ValueError(
                f"A rate limit needs capacity >= 1 and refill_per_s > 0 "
                f"(got {capacity}, {refill_per_s})."
            )
        self.capacity = capacity
        self.refill_per_s = refill_per_s
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str) -> float:
        """Take one request from `key`'s bucket: 0.0 when allowed, else the seconds to wait."""
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self._max_keys:
                    self._forget_full_buckets(now)
                bucket = self._buckets[key] = _Bucket(float(self.capacity), now)
            else:
                self._refill(bucket, now)
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.refill_per_s

    def reset(self, key: str) -> None:
        with self._lock:
            self._buckets.pop(key, None)

    def _refill(self, bucket: _Bucket, now: float) -> None:
        elapsed = max(0.0, now - bucket.updated)
        bucket.tokens = min(float(self.capacity), bucket.tokens + elapsed * self.refill_per_s)
        bucket.updated = now

    def _forget_full_buckets(self, now: float) -> None:
        """A full bucket is the same as no bucket, so dropping it loses nothing."""
        for key, bucket in list(self._buckets.items()):
            self._refill(bucket, now)
            if bucket.tokens >= self.capacity:
                del self._buckets[key]


PER_IP = (120, 20.0)  # capacity, refill per second
PER_TOKEN = (60, 10.0)
PER_LOGIN_IP = (20, 20 / 60)


@dataclass
class RequestLimits:
    """The API's two limits: per client IP (all callers) and per API token."""

    per_ip: Limiter = field(default_factory=lambda: RateLimiter(*PER_IP))
    per_token: Limiter = field(default_factory=lambda: RateLimiter(*PER_TOKEN))

    def check_ip(self, ip: str | None) -> float:
        """0.0 when a request from `ip` may proceed, else the seconds it must wait."""
        return self.per_ip.acquire(f"ip:{ip or 'unknown'}")

    def check_token(self, token_id: str) -> float:
        """0.0 when a request with this API token may proceed, else the seconds to wait."""
        return self.per_token.acquire(f"token:{token_id}")


def retry_after_header(seconds: float) -> str:
    """`Retry-After` takes whole seconds; round up so a client that obeys is let in."""
    return str(max(1, math.ceil(seconds)))
