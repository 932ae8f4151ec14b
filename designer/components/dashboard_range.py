"""The dashboards' time range: last 24 hours, 7 days, 30 days, or custom whole UTC days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from runtime.core.clock import to_db

PRESETS: dict[str, tuple[str, timedelta | None]] = {
    "24h": ("Last 24 hours", timedelta(hours=24)),
    "7d": ("Last 7 days", timedelta(days=7)),
    "30d": ("Last 30 days", timedelta(days=30)),
    "custom": ("Custom", None),
}
DEFAULT = "7d"


class RangeInvalid(ValueError):
    """A custom range that cannot be read or ends before it starts; the message says which."""


@dataclass(frozen=True)
class TimeRange:
    """`since <= t < until`, naive UTC (the form the aggregates store)."""

    since: datetime
    until: datetime

    def describe(self) -> str:
        return f"{self.since:%Y-%m-%d %H:%M} to {self.until:%Y-%m-%d %H:%M} UTC"


def resolve(preset: str, now: datetime, first_day: str = "", last_day: str = "") -> TimeRange:
    """The range a preset stands for at `now`; `custom` spans `first_day` to `last_day`
    (YYYY-MM-DD, both included)."""
    if preset not in PRESETS:
        raise RangeInvalid(f"unknown time range {preset!r}; pick one of {', '.join(PRESETS)}")
    span = PRESETS[preset][1]
    end = to_db(now)
    if span is not None:
        return TimeRange(end - span, end)
    first, last = _day(first_day, "from"), _day(last_day, "to")
    if last < first:
        raise RangeInvalid(f"the range ends ({last}) before it starts ({first})")
    return TimeRange(datetime.combine(first, time()), datetime.combine(last, time())
                     + timedelta(days=1))


def _day(text: str, which: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise RangeInvalid(f"the '{which}' day {text!r} is not a date like 2026-01-31") from None
