"""Log-scale duration histogram: bucket `i` holds durations in (GAMMA^(i-1), GAMMA^i] seconds.

With GAMMA = 1.1 (buckets 10% wider each) and a bucket read as 2·GAMMA^i/(GAMMA+1), any
value in it is off by at most (GAMMA-1)/(GAMMA+1) = 4.76% relative. Zero durations have
their own bucket, read as 0. Fixed buckets merge by adding counts, across hours and versions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

GAMMA = 1.1
RELATIVE_ERROR = (GAMMA - 1) / (GAMMA + 1)
ZERO_BUCKET = -(2**31) + 1
_LOG_GAMMA = math.log(GAMMA)


def bucket_of(duration_us: int) -> int:
    if duration_us <= 0:
        return ZERO_BUCKET
    return math.ceil(math.log(duration_us / 1e6) / _LOG_GAMMA)


def value_of(bucket: int) -> float:
    """Seconds a bucket stands for."""
    if bucket == ZERO_BUCKET:
        return 0.0
    return 2 * GAMMA**bucket / (GAMMA + 1)


def percentile(buckets: Iterable[tuple[int, int]], q: float) -> float | None:
    """The nearest-rank `q` quantile (0 < q <= 1) of (bucket, count) pairs; None when empty."""
    ordered = sorted(buckets)
    total = sum(count for _, count in ordered)
    if total == 0:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for bucket, count in ordered:
        seen += count
        if seen >= rank:
            return value_of(bucket)
    return value_of(ordered[-1][0])
