"""Retry policies: when the next attempt of a failed action (or compensation) is due.

The wait after failed attempt n (1-based) is `min(initial_s * multiplier**(n-1), max_s)`,
spread uniformly by ± `jitter` of itself so many instances failing together do not retry
in lock step. The result is written to the job row, so it survives restarts.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from shared.definition import RetryPolicy

DEFAULT_RETRY = RetryPolicy()


def delay_bounds_s(policy: RetryPolicy, attempt: int) -> tuple[float, float]:
    """The shortest and longest wait after failed attempt `attempt`."""
    base = min(policy.initial_s * policy.multiplier ** (attempt - 1), policy.max_s)
    return max(0.0, base * (1 - policy.jitter)), base * (1 + policy.jitter)


def retry_delay_s(policy: RetryPolicy, attempt: int, rng: random.Random | None = None) -> float:
    """Seconds to wait after failed attempt `attempt`: capped exponential ± jitter."""
    low, high = delay_bounds_s(policy, attempt)
    return (rng or random).uniform(low, high)


def next_attempt_at(policy: RetryPolicy, attempt: int, now: datetime,
                    rng: random.Random | None = None) -> datetime | None:
    """When attempt `attempt + 1` is due, or None when `attempt` was the last one."""
    if attempt >= policy.max_attempts:
        return None
    return now + timedelta(seconds=retry_delay_s(policy, attempt, rng))
