"""Business time: adding and measuring working seconds on a definition's calendar.

A `Calendar` of the definition (`shared.definition`) compiles to a `WorkingTime`: the weekly
working hours in local time, the time zone, and the days off (public holidays from the
`holidays` package plus `extra_holidays`). Working intervals are turned into real instants
one local day at a time, so weekends, holidays, DST changes and starts outside working hours
all come out of one walk. A working interval that spans a DST change counts the time that
really passed (an hour more or less); a working hour that does not exist on the day clocks
spring forward is no working time.

Pure: no clock reads; the engine core (`runtime.core.step`) calls `sla_due`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.definition import Calendar, Definition, HumanState

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
MINUTES_PER_DAY = 24 * 60
# A calendar with no working time for this many days in a row is taken to have none at all;
# a walk longer than MAX_SCAN_DAYS (a tiny calendar and a huge SLA) is refused, not run.
MAX_IDLE_DAYS = 3 * 366
MAX_SCAN_DAYS = 30 * 366

Interval = tuple[int, int]  # minutes after local midnight, start < end <= 24:00


class CalendarError(ValueError):
    """A calendar that cannot be used; the message names the part that is wrong."""


@dataclass(frozen=True)
class WorkingTime:
    """A compiled calendar: working intervals per weekday (Monday first) and days off."""

    zone: ZoneInfo
    week: tuple[tuple[Interval, ...], ...]
    public: Any  # a `holidays.HolidayBase`, or None
    extra: frozenset[date]

    def day_off(self, day: date) -> bool:
        return day in self.extra or (self.public is not None and day in self.public)

    def intervals_from(self, moment: datetime, until: datetime | None = None
                       ) -> Iterator[tuple[datetime, datetime]]:
        """The working intervals (UTC) that end after `moment`, the first clipped to it;
        with `until`, only those of the local days that begin before it."""
        moment = _aware(moment).astimezone(UTC)
        day = moment.astimezone(self.zone).date() - timedelta(days=1)
        idle = scanned = 0
        while idle <= MAX_IDLE_DAYS:
            if until is not None and self._instant(day, 0) >= until:
                return
            idle, scanned = idle + 1, scanned + 1
            if scanned > MAX_SCAN_DAYS:
                raise CalendarError(f"more than {MAX_SCAN_DAYS // 366} years of the calendar "
                                    f"would be needed after {moment.isoformat()}")
            if not self.day_off(day):
                for start_min, end_min in self.week[day.weekday()]:
                    start, end = self._instant(day, start_min), self._instant(day, end_min)
                    if end > moment and end > start:
                        idle = 0
                        yield max(start, moment), end
            day += timedelta(days=1)
        raise CalendarError(f"the calendar has no working time in the {MAX_IDLE_DAYS} days "
                            f"after {moment.isoformat()}")

    def _instant(self, day: date, minute: int) -> datetime:
        """The real instant of a local wall time; one that the clocks skip becomes the
        instant they skip it (so instants never run backwards within a day)."""
        if minute >= MINUTES_PER_DAY:
            day, minute = day + timedelta(days=1), minute - MINUTES_PER_DAY
        wall = datetime.combine(day, time(minute // 60, minute % 60), self.zone)
        while wall.astimezone(UTC).astimezone(self.zone).replace(tzinfo=None) != \
                wall.replace(tzinfo=None):
            wall += timedelta(minutes=1)  # inside a spring-forward gap
        return wall.astimezone(UTC)


def add_business_seconds(start: datetime, seconds: float, calendar: WorkingTime) -> datetime:
    """The instant `seconds` of working time after `start` (in `start`'s time zone). Zero
    seconds is `start` itself, even outside working hours."""
    if seconds < 0:
        raise ValueError(f"business seconds to add must not be negative, got {seconds}")
    remaining = timedelta(seconds=seconds)
    if not remaining:
        return start
    for begin, end in calendar.intervals_from(start):
        if remaining <= end - begin:
            return (begin + remaining).astimezone(start.tzinfo)
        remaining -= end - begin
    raise AssertionError("unreachable: intervals_from raises when time runs out")


def business_seconds_between(a: datetime, b: datetime, calendar: WorkingTime) -> float:
    """Working seconds from `a` to `b` (negative when `b` is earlier)."""
    if _aware(b) < _aware(a):
        return -business_seconds_between(b, a, calendar)
    total = timedelta()
    for begin, end in calendar.intervals_from(a, until=b):
        if begin >= b:
            break
        total += min(end, b) - begin
    return total.total_seconds()


def calendar_for(definition: Definition, state: Any = None) -> Calendar | None:
    """The calendar that times `state` (a human state's own, else the definition's)."""
    name = getattr(state, "calendar", None) if isinstance(state, HumanState) else None
    name = name or definition.calendar
    return definition.calendars.get(name) if name else None


def sla_due(definition: Definition, state: HumanState, now: datetime) -> datetime | None:
    """When a task of `state` entered at `now` falls due: `sla_s` of business time on its
    calendar, or of wall-clock time without one (or with one that validation refuses, or
    that would need more than 30 years to hold the SLA)."""
    if not state.sla_s:
        return None
    calendar = calendar_for(definition, state)
    if calendar is not None:
        try:
            return add_business_seconds(now, state.sla_s, working_time(calendar))
        except CalendarError:
            pass
    return now + timedelta(seconds=state.sla_s)


def working_time(calendar: Calendar) -> WorkingTime:
    """Compile `calendar` (cached: definitions are immutable once published)."""
    return _compile(calendar.model_dump_json())


@lru_cache(maxsize=256)
def _compile(document: str) -> WorkingTime:
    calendar = Calendar.model_validate_json(document)
    public = None
    if calendar.holidays is not None:
        public = public_holidays(calendar.holidays.country, calendar.holidays.subdivision)
    return WorkingTime(zone(calendar.timezone), parse_hours(calendar.hours), public,
                       frozenset(calendar.extra_holidays))


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError(f"{name!r} is not an IANA time zone (like 'Europe/Amsterdam' "
                            "or 'America/New_York')") from None


def public_holidays(country: str, subdivision: str | None) -> Any:
    """The holiday table of a country (and region); imported here, on first use, so that
    `statewright validate` of a definition without holidays starts as fast as before."""
    import holidays as holiday_tables

    supported = holiday_tables.list_supported_countries()
    if country not in supported:
        raise CalendarError(f"{country!r} is not a country the holidays package knows: use an "
                            "ISO 3166 alpha-2 code such as 'NL', 'DE' or 'US'")
    if subdivision is not None and subdivision not in supported[country]:
        known = ", ".join(supported[country][:12]) or "none"
        raise CalendarError(f"{subdivision!r} is not a subdivision of {country} "
                            f"(known: {known})")
    return holiday_tables.country_holidays(country, subdiv=subdivision)


def parse_hours(hours: dict[str, str]) -> tuple[tuple[Interval, ...], ...]:
    """`{"mon-fri": "09:00-17:00"}` as intervals per weekday; each day in at most one key."""
    if not hours:
        raise CalendarError('there are no working hours: add some, e.g. '
                            '{"mon-fri": "09:00-17:00"}')
    week: list[tuple[Interval, ...] | None] = [None] * 7
    for days, ranges in hours.items():
        intervals = _ranges(days, ranges)
        for day in _days(days):
            if week[day] is not None:
                raise CalendarError(f"{DAYS[day]} is named by more than one key of `hours` "
                                    f"(again in {days!r}): name each day once")
            week[day] = intervals
    return tuple(w or () for w in week)


def _days(spec: str) -> list[int]:
    found: list[int] = []
    for part in spec.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise CalendarError(f"{spec!r} is not a set of days: use mon..sun, ranges like "
                                "'mon-fri' and commas ('sat,sun')")
        begin, end = DAYS.index(first), DAYS.index(last or first)
        found += [(begin + i) % 7 for i in range((end - begin) % 7 + 1)]
    return found


def _ranges(days: str, spec: str) -> tuple[Interval, ...]:
    intervals: list[Interval] = []
    for part in spec.replace(" ", "").split(","):
        match = _RANGE.match(part)
        if not match:
            raise CalendarError(f"hours of {days!r}: {part!r} is not a time range like "
                                "'09:00-17:00'")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if h1 > 23 or m1 > 59 or m2 > 59 or end > MINUTES_PER_DAY or start >= end:
            raise CalendarError(f"hours of {days!r}: {part!r} must run forward within one day "
                                "(00:00 to 24:00)")
        intervals.append((start, end))
    intervals.sort()
    for (_, end), (start, _) in pairwise(intervals):
        if start < end:
            raise CalendarError(f"hours of {days!r}: the ranges in {spec!r} overlap")
    return tuple(intervals)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"business time needs an aware datetime, got {moment.isoformat()}")
    return moment
