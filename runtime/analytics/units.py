"""One duration unit per chart, table or group of numbers, chosen from the largest value shown.

Mixing units side by side ("43.4h" next to "19.6d") makes readers compare the digits, not the
durations; every figure, tile row, heat overlay and CSV download picks one `Unit` for all its
values instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

CSV_DECIMALS = 2


@dataclass(frozen=True)
class Unit:
    """A duration unit: `name` for titles and CSV headers, `symbol` after numbers."""

    name: str
    symbol: str
    seconds: float
    below: float  # the unit suits values up to this many seconds

    def of(self, seconds: float | None) -> float | None:
        """`seconds` in this unit (None stays None)."""
        return None if seconds is None else seconds / self.seconds

    def csv(self, seconds: float | None) -> float | None:
        """`seconds` in this unit, rounded for a CSV cell."""
        value = self.of(seconds)
        return None if value is None else csv_number(value)

    def show(self, seconds: float | None) -> str:
        """`2.5h`, `0.25d`, `42s`: one decimal, two below one unit, none for seconds."""
        value = self.of(seconds)
        if value is None:
            return "-"
        if self.seconds == 1 or value == 0:
            return f"{value:.0f}{self.symbol}"
        return f"{value:.{1 if value >= 1 else 2}f}{self.symbol}"


SECONDS = Unit("seconds", "s", 1, 120)
MINUTES = Unit("minutes", "min", 60, 2 * 3600)
HOURS = Unit("hours", "h", 3600, 3 * 86400)
DAYS = Unit("days", "d", 86400, float("inf"))
UNITS = (SECONDS, MINUTES, HOURS, DAYS)


def unit_for(seconds: Iterable[float | None]) -> Unit:
    """The unit that suits the largest of `seconds` (seconds when there is none)."""
    largest = max((s for s in seconds if s is not None), default=0.0)
    return next(unit for unit in UNITS if largest < unit.below)


def short_duration(seconds: float | None) -> str:
    """One duration on its own (a sentence, not beside others), in the unit that suits it."""
    return unit_for([seconds]).show(seconds)


def csv_number(value: float) -> float:
    """Two decimals; below 0.1, two significant digits, so a small rate or p-value does not
    read as zero."""
    if value == 0 or abs(value) >= 0.1:
        return round(value, CSV_DECIMALS)
    return float(f"{value:.2g}")
