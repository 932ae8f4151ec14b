"""PostgreSQL connection-pool sizes from the environment, so operators fit them to the server.

Every process opens a pool for the engine's store (and `serve` one per identity service: the
API's and the web app's), each holding up to `size + max_overflow` connections, plus one
LISTEN connection. Across all replicas that must stay under the server's `max_connections`,
which only the operator knows; hence variables, checked at start-up with a message naming
the one that is wrong rather than a traceback from deep inside SQLAlchemy.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from runtime.core.errors import StoreUnavailable

SIZE_ENV = "STATEWRIGHT_DB_POOL_SIZE"
MAX_OVERFLOW_ENV = "STATEWRIGHT_DB_POOL_MAX_OVERFLOW"
TIMEOUT_ENV = "STATEWRIGHT_DB_POOL_TIMEOUT_S"

# What a process holds at once in steady state: the runner's job threads (`Runner(threads=4)`,
# as `serve` and `worker` start it) reading instances, the group-commit writer, the
# housekeeping thread (task SLAs, notifications), and two for API requests and /metrics
# scrapes. Bursts (many API calls) borrow up to as many again, closed once returned.
RUNNER_THREADS = 4
DEFAULT_SIZE = RUNNER_THREADS + 4
DEFAULT_MAX_OVERFLOW = DEFAULT_SIZE
DEFAULT_TIMEOUT_S = 30.0  # how long a thread waits for a free connection before failing


class PoolSettingError(StoreUnavailable):
    """A pool variable is not a usable number; the message names it and what it accepts."""


@dataclass(frozen=True)
class PoolSettings:
    size: int = DEFAULT_SIZE
    max_overflow: int = DEFAULT_MAX_OVERFLOW
    timeout_s: float = DEFAULT_TIMEOUT_S

    @property
    def most(self) -> int:
        """The most connections one pool opens."""
        return self.size + self.max_overflow

    def engine_options(self) -> dict[str, Any]:
        """Keyword arguments for `sqlalchemy.create_engine`."""
        return {"pool_size": self.size, "max_overflow": self.max_overflow,
                "pool_timeout": self.timeout_s}


def pool_settings(environ: Mapping[str, str] | None = None) -> PoolSettings:
    """The pool settings from `environ` (default: the process environment)."""
    env = os.environ if environ is None else environ
    return PoolSettings(
        size=int(_number(env, SIZE_ENV, DEFAULT_SIZE, int, 1, "a whole number of at least 1")),
        max_overflow=int(_number(env, MAX_OVERFLOW_ENV, DEFAULT_MAX_OVERFLOW, int, 0,
                                 "a whole number of at least 0")),
        timeout_s=_number(env, TIMEOUT_ENV, DEFAULT_TIMEOUT_S, float, 0.001,
                          "a number of seconds above 0"),
    )


def _number(env: Mapping[str, str], name: str, default: float, kind: type, least: float,
            expected: str) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or value != value or value < least or value == float("inf"):
        raise PoolSettingError(f"{name}={raw!r} is not valid: use {expected} "
                               f"(default {default:g})", {"variable": name, "value": raw})
    return value
