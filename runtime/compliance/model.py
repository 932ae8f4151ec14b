"""What a compliance report is: its scope (period, definition) and its sections as tables.

Plain data, so the JSON, CSV, PDF and web renderings all show the same rows. Times are
aware UTC datetimes; a section never carries a sensitive value, only variable names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from runtime.core.errors import EngineError

MAX_ROWS = 5000  # per section: a report is read by people; narrow the period for more


class ScopeInvalid(EngineError):
    """A report's period or definition cannot be understood (names the field)."""

    code = "report-scope-invalid"
    status = 422


@dataclass(frozen=True)
class Scope:
    """`since <= at < until` (UTC), optionally one definition key."""

    since: datetime
    until: datetime
    definition: str | None = None

    @classmethod
    def parse(cls, since: str | None, until: str | None, definition: str | None = None,
              now: datetime | None = None) -> Scope:
        """From text as users type it (`2026-01-31` or an ISO time); a date alone means the
        whole day, so `--to 2026-01-31` includes the 31st. Defaults: the last 30 days."""
        end = _moment(until, "to", end_of_day=True) if until else (now or datetime.now(UTC))
        start = _moment(since, "from", end_of_day=False) if since else _back(end, 30)
        if start >= end:
            raise ScopeInvalid(f"the period is empty: from {start.isoformat()} is not before "
                               f"to {end.isoformat()}", {"field": "from"})
        return cls(start, end, (definition or "").strip() or None)

    def to_json(self) -> dict[str, Any]:
        return {"from": self.since.isoformat(), "to": self.until.isoformat(),
                "definition": self.definition}


def _back(end: datetime, days: int) -> datetime:
    try:
        return end - timedelta(days=days)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)


def _moment(text: str, name: str, end_of_day: bool) -> datetime:
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time(), UTC)
            return moment + timedelta(days=1) if end_of_day else moment
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ScopeInvalid(f"{name} {text!r} is not a date (YYYY-MM-DD) or an ISO 8601 time",
                           {"field": name}) from None


@dataclass(frozen=True)
class Section:
    """One table of the report: `columns` name the keys of every row, in order."""

    key: str
    title: str
    description: str
    columns: tuple[str, ...]
    rows: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "description": self.description,
                "columns": list(self.columns), "rows": [_plain(r) for r in self.rows],
                "truncated": self.truncated}


@dataclass(frozen=True)
class ComplianceReport:
    scope: Scope
    generated_at: datetime
    sections: list[Section]

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def to_json(self) -> dict[str, Any]:
        return {"scope": self.scope.to_json(), "generated_at": self.generated_at.isoformat(),
                "sections": [s.to_json() for s in self.sections]}


def cell(value: Any) -> str:
    """A value as one table cell: times as `2026-01-31 09:00:00Z`, None as empty."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}


def capped(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
    return rows[:MAX_ROWS], len(rows) > MAX_ROWS
