"""Backoff arithmetic (property): every delay lies within the jitter band of the capped
exponential base, and the last attempt has no next one."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from runtime.execution.retry import delay_bounds_s, next_attempt_at, retry_delay_s
from shared.definition import RetryPolicy

POLICIES = st.builds(
    RetryPolicy,
    max_attempts=st.integers(1, 20),
    initial_s=st.floats(0, 100),
    multiplier=st.floats(1, 10),
    max_s=st.floats(0, 3600),
    jitter=st.floats(0, 1),
)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@given(policy=POLICIES, attempt=st.integers(1, 20), seed=st.integers(0, 2**32))
def test_delays_stay_in_the_jitter_band_of_the_capped_base(policy, attempt, seed):
    base = min(policy.initial_s * policy.multiplier ** (attempt - 1), policy.max_s)
    low, high = delay_bounds_s(policy, attempt)
    assert (low, high) == (max(0.0, base * (1 - policy.jitter)), base * (1 + policy.jitter))
    delay = retry_delay_s(policy, attempt, random.Random(seed))
    assert low - 1e-6 <= delay <= high + 1e-6 and high <= policy.max_s * 2


@given(policy=POLICIES, attempt=st.integers(1, 20), seed=st.integers(0, 2**32))
def test_the_last_attempt_has_no_next_one(policy, attempt, seed):
    due = next_attempt_at(policy, attempt, NOW, random.Random(seed))
    if attempt >= policy.max_attempts:
        assert due is None
    else:
        low, high = delay_bounds_s(policy, attempt)
        assert low - 1e-6 <= (due - NOW).total_seconds() <= high + 1e-6
