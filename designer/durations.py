"""Durations as analysts type them ("2h 30m", "3d", "90s", or plain seconds) and back.

The definition stores seconds (`sla_s`, `timeout_s`, `duration_s`); the properties panel shows
and reads human units so nobody has to work out that a day is 86400.
"""

from __future__ import annotations

import re

UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "min": 60, "s": 1}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(min|d|h|m|s)", re.IGNORECASE)


def parse_duration(text: str) -> float | None:
    """Seconds in `text` (an int when whole); None when it is empty. Raises ValueError saying
    what is wrong."""
    seconds = _seconds(text)
    return int(seconds) if seconds is not None and seconds.is_integer() else seconds


def _seconds(text: str) -> float | None:
    cleaned = text.strip()
    if not cleaned:
        return None
    try:
        seconds = float(cleaned)
    except ValueError:
        seconds = None
    if seconds is not None:
        if seconds < 0:
            raise ValueError(f"duration {text!r} is negative")
        return seconds
    parts = list(_PART.finditer(cleaned))
    leftover = _PART.sub("", cleaned).strip()
    if not parts or leftover:
        raise ValueError(
            f"duration {text!r} is not understood: use numbers with d, h, m or s, e.g. 2h 30m"
        )
    return sum(float(p.group(1)) * UNIT_SECONDS[p.group(2).lower()] for p in parts)


def format_duration(seconds: float) -> str:
    """`9000` -> "2h 30m"; fractions of a second are kept as seconds."""
    whole, fraction = divmod(seconds, 1)
    if fraction:
        return f"{seconds:g}s"
    rest = int(whole)
    parts = []
    for unit in ("d", "h", "m", "s"):
        count, rest = divmod(rest, UNIT_SECONDS[unit])
        if count:
            parts.append(f"{count}{unit}")
    return " ".join(parts) or "0s"


def duration_error(text: str | None) -> str | None:
    """The message to show under a duration field, or None when `text` is fine."""
    try:
        parse_duration(text or "")
    except ValueError as error:
        return str(error)
    return None
