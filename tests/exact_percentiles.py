"""Exact percentiles computed from the event log, to check the dashboards' sketch estimates."""

from __future__ import annotations

import math

from runtime.analytics.sketch import RELATIVE_ERROR


def nearest_rank(values: list[float], q: float) -> float:
    """The q-quantile of `values` by the nearest-rank method (no interpolation)."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def close(estimate: float | None, exact: float) -> bool:
    """Whether a sketch `estimate` is within the sketch's relative error of `exact`."""
    assert estimate is not None
    return abs(estimate - exact) <= RELATIVE_ERROR * exact + 1e-9
