"""What a definition version's durations are measured against, for the dashboard
aggregates: its SLAs, and the business calendars that turn durations into working time
(`shared.business_time`, docs/calendars.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.business_time import (
    CalendarError,
    WorkingTime,
    business_seconds_between,
    calendar_for,
    working_time,
)
from shared.definition import Calendar, Definition


@dataclass(frozen=True)
class Timing:
    """What a version's durations are measured against: the process `sla_s`, the human
    states' `sla_s`, and the calendars that make them (and the `_biz` kinds) business time."""

    process_sla: float | None = None
    state_slas: Mapping[str, float] = field(default_factory=dict)
    calendar: WorkingTime | None = None
    state_calendars: Mapping[str, WorkingTime] = field(default_factory=dict)

    @classmethod
    def of(cls, doc: Mapping[str, Any]) -> Timing:
        states = {s["id"]: float(s["sla_s"]) for s in doc.get("states", [])
                  if s.get("type") == "human" and s.get("sla_s") is not None}
        process = doc.get("sla_s")
        calendars: dict[str, WorkingTime] = {}
        calendar = None
        if doc.get("calendars"):
            try:
                definition = Definition.model_validate(doc)
                calendar = _compiled(calendar_for(definition))
                calendars = {s.id: c for s in definition.states
                             if (c := _compiled(calendar_for(definition, s))) is not None}
            except (ValueError, CalendarError):
                pass  # validation refuses such a version; measure it on the wall clock
        return cls(float(process) if process is not None else None, states, calendar, calendars)

    def business_us(self, state: str | None, since: datetime, until: datetime) -> int | None:
        """Working microseconds from `since` to `until` on the state's (or the process')
        calendar; None without a calendar (or a usable one)."""
        calendar = self.calendar if state is None else self.state_calendars.get(state)
        if calendar is None:
            return None
        try:
            seconds = business_seconds_between(_utc(since), _utc(until), calendar)
        except CalendarError:  # a visit longer than the calendar is walked: wall clock
            return None
        return round(seconds * 1_000_000)


def _compiled(calendar: Calendar | None) -> WorkingTime | None:
    return None if calendar is None else working_time(calendar)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
