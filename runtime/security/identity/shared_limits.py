"""Token buckets every server process shares: in the database, or in Redis when configured.

The in-memory `RateLimiter` lets a client get N times the rate from N processes and forgets
its login limit on restart. These keep one bucket per key where all processes see it; each
`acquire` is one short atomic step (a row locked in a transaction, or one Lua script).

`STATEWRIGHT_RATE_LIMITS` picks the store: `memory`, `database` or `redis`
(`STATEWRIGHT_REDIS_URL`, default `redis://127.0.0.1:6379/0`). Unset: `redis` when
`STATEWRIGHT_REDIS_URL` is set, else `database` on PostgreSQL and `memory` on SQLite (one
machine, where a write per request would queue behind the engine's writer).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from runtime.security.identity.database import writing
from runtime.security.identity.limiter import Limiter, RateLimiter
from runtime.security.identity.tables import metadata, rate_buckets

LIMITS_ENV = "STATEWRIGHT_RATE_LIMITS"
REDIS_URL_ENV = "STATEWRIGHT_REDIS_URL"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
STORES = ("memory", "database", "redis")



def _refilled(tokens: float, updated: float, now: float, capacity: int, rate: float) -> float:
    return min(float(capacity), tokens + max(0.0, now - updated) * rate)


class DatabaseRateLimiter:
    """A token bucket per key in the `rate_buckets` table; the row lock orders processes."""

    def __init__(
        self, db: Engine, capacity: int, refill_per_s: float, clock: Callable[[], float] = time.time
    ) -> None:
        RateLimiter(capacity, refill_per_s)  # the same argument checks
        self._db, self.capacity, self.refill_per_s, self._clock = db, capacity, refill_per_s, clock
        with writing(db) as conn:
            metadata.create_all(conn)
        dialect = postgresql if db.dialect.name == "postgresql" else sqlite
        self._insert = dialect.insert

    def acquire(self, key: str) -> float:
        now = self._clock()
        with writing(self._db) as conn:
            conn.execute(
                self._insert(rate_buckets)
                .values(key=key, tokens=float(self.capacity), updated_s=now)
                .on_conflict_do_nothing(index_elements=["key"])
            )
            row = conn.execute(
                select(rate_buckets).where(rate_buckets.c.key == key).with_for_update()
            ).one()
            tokens = _refilled(row.tokens, row.updated_s, now, self.capacity, self.refill_per_s)
            wait = 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.refill_per_s
            conn.execute(
                update(rate_buckets)
                .where(rate_buckets.c.key == key)
                .values(tokens=tokens - 1.0 if not wait else tokens, updated_s=now)
            )
        return wait

    def reset(self, key: str) -> None:
        with writing(self._db) as conn:
            conn.execute(rate_buckets.delete().where(rate_buckets.c.key == key))


# KEYS[1] the bucket; ARGV capacity, refill per second, now (s). Returns the wait as a string
# (Lua numbers become integers on the way out).
_BUCKET_SCRIPT = """
local capacity, rate, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens, updated = tonumber(bucket[1]) or capacity, tonumber(bucket[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - updated) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
return tostring(wait)
"""


class RedisRateLimiter:
    """A token bucket per key in Redis, updated by one atomic script; idle buckets expire."""

    def __init__(
        self,
        client: Any,
        capacity: int,
        refill_per_s: float,
        clock: Callable[[], float] = time.time,
        prefix: str = "statewright:rate:",
    ) -> None:
        RateLimiter(capacity, refill_per_s)
        self.capacity, self.refill_per_s, self._clock, self._prefix = (
            capacity,
            refill_per_s,
            clock,
            prefix,
        )
        self._client = client
        self._script = client.register_script(_BUCKET_SCRIPT)

    def acquire(self, key: str) -> float:
        args = [self.capacity, self.refill_per_s, repr(self._clock())]
        return float(self._script(keys=[self._prefix + key], args=args))

    def reset(self, key: str) -> None:
        self._client.delete(self._prefix + key)


class LimiterFactory:
    """Makes limiters on the configured store; one Redis client is shared by all of them."""

    def __init__(self, db: Engine, env: Mapping[str, str] = os.environ) -> None:
        self._db = db
        self.store = chosen_store(db.dialect.name, env)
        self._redis: Any = None
        if self.store == "redis":
            import redis  # only with that store

            self._redis = redis.Redis.from_url(env.get(REDIS_URL_ENV) or DEFAULT_REDIS_URL)

    def __call__(
        self, capacity: int, refill_per_s: float, clock: Callable[[], float] | None = None
    ) -> Limiter:
        if self.store == "database":
            return DatabaseRateLimiter(self._db, capacity, refill_per_s, clock or time.time)
        if self.store == "redis":
            return RedisRateLimiter(self._redis, capacity, refill_per_s, clock or time.time)
        return RateLimiter(capacity, refill_per_s, clock or time.monotonic)

    def close(self) -> None:
        if self._redis is not None:
            self._redis.close()


def chosen_store(dialect: str, env: Mapping[str, str] = os.environ) -> str:
    """The store named by `STATEWRIGHT_RATE_LIMITS`, else the default for this database."""
    named = env.get(LIMITS_ENV, "").strip().lower()
    if named:
        if named not in STORES:
            raise ValueError(
                f"{LIMITS_ENV}={named!r} is not a rate-limit store: use one of {', '.join(STORES)}."
            )
        return named
    if env.get(REDIS_URL_ENV):
        return "redis"
    return "database" if dialect == "postgresql" else "memory"
