"""Equal-width bins for the cycle time histogram, read off the log-scale sketch buckets.

A log axis squeezes the hours that matter into a corner nobody reads; the page draws bars of
one round width (1, 2, 2.5 or 5 times a power of ten, in the chart's unit) instead. A long
tail beyond four times the p99 goes into one last "longer" bin, so a single outlier does not
flatten every other bar.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from runtime.analytics.units import Unit

TARGET_BINS = 20
TAIL_FACTOR = 4
_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class Bin:
    """Durations in [start, end) in the chart's unit; `end` None for the open "longer" bin."""

    start: float
    end: float | None
    count: int


def round_width(span: float, bins: int = TARGET_BINS) -> float:
    """A round bin width giving about `bins` bins over `span` (positive)."""
    raw = span / bins
    power = 10 ** math.floor(math.log10(raw))
    return next(step * power for step in _STEPS if step * power >= raw)


def linear_bins(rows: Sequence[dict[str, Any]], unit: Unit) -> list[Bin]:
    """`rows` (sketch buckets: `seconds`, `count`) counted into equal bins in `unit`."""
    values = [(unit.of(r["seconds"]) or 0.0, r["count"]) for r in rows if r["count"]]
    if not values:
        return []
    values.sort()
    top = _tail_start(values) or values[-1][0]
    width = round_width(top) if top > 0 else 1.0
    count = int(top // width) + 1  # the top value falls inside the last bin
    edge = count * width
    counts = [0] * count
    longer = 0
    for value, n in values:
        if value >= edge:
            longer += n
        else:
            counts[min(int(value // width), count - 1)] += n
    bins = [Bin(round(i * width, 6), round((i + 1) * width, 6), c) for i, c in enumerate(counts)]
    if longer:
        bins.append(Bin(round(count * width, 6), None, longer))
    return bins


def _tail_start(values: list[tuple[float, int]]) -> float | None:
    """The p99 when the largest value lies beyond TAIL_FACTOR times it, else None."""
    total = sum(n for _, n in values)
    seen = 0
    for value, n in values:
        seen += n
        if seen >= 0.99 * total:
            return value if values[-1][0] > TAIL_FACTOR * value > 0 else None
    return None
