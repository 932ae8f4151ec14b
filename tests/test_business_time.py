"""Business time (shared/business_time.py): adding and measuring working seconds across
weekends, holidays, DST changes and time zones, by example and by property."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.business_time import (
    CalendarError,
    add_business_seconds,
    business_seconds_between,
    parse_hours,
    working_time,
)
from shared.definition import Calendar

AMS = ZoneInfo("Europe/Amsterdam")
HOUR = 3600.0
OFFICE = working_time(Calendar(timezone="Europe/Amsterdam", hours={"mon-fri": "09:00-17:00"},
                               holidays={"country": "NL"}, extra_holidays=["2026-12-24"]))
SPLIT = working_time(Calendar(timezone="America/New_York",
                              hours={"mon-thu": "08:00-12:00,13:00-17:00", "fri": "08:00-12:00"}))
ROUND_THE_CLOCK = working_time(Calendar(timezone="Europe/Amsterdam",
                                        hours={"mon-sun": "00:00-24:00"}))

# working hours across the hour the clocks skip or repeat (02:00-03:00 in Amsterdam)
NIGHT = working_time(Calendar(timezone="Europe/Amsterdam",
                             hours={"mon-sun": "01:30-02:30,03:00-04:00"}))


def ams(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=AMS)


def test_within_one_working_day() -> None:
    assert add_business_seconds(ams(2026, 3, 2, 10), 2 * HOUR, OFFICE) == ams(2026, 3, 2, 12)


def test_overflows_into_the_next_day_and_over_the_weekend() -> None:
    # Friday 15:00 + 4h: 2h on Friday, 2h on Monday morning
    assert add_business_seconds(ams(2026, 3, 6, 15), 4 * HOUR, OFFICE) == ams(2026, 3, 9, 11)


def test_a_start_outside_working_hours_waits_for_the_next_opening() -> None:
    assert add_business_seconds(ams(2026, 3, 7, 22), HOUR, OFFICE) == ams(2026, 3, 9, 10)
    assert add_business_seconds(ams(2026, 3, 2, 7), 8 * HOUR, OFFICE) == ams(2026, 3, 2, 17)


def test_public_and_extra_holidays_are_days_off() -> None:
    # King's Day 2026 is Monday 27 April; 24 and 25/26 December follow each other
    assert add_business_seconds(ams(2026, 4, 24, 16), 2 * HOUR, OFFICE) == ams(2026, 4, 28, 10)
    assert add_business_seconds(ams(2026, 12, 23, 16), 2 * HOUR, OFFICE) == ams(2026, 12, 28, 10)


def test_dst_changes_keep_local_working_hours() -> None:
    # Amsterdam springs forward on Sunday 29 March 2026: Monday still opens at 09:00 local
    due = add_business_seconds(ams(2026, 3, 27, 16), 2 * HOUR, OFFICE)
    assert due == ams(2026, 3, 30, 10)
    assert due.astimezone(UTC).hour == 8  # 09:00 CEST is 07:00 UTC


def test_a_round_the_clock_calendar_counts_real_time_over_dst() -> None:
    spring, autumn = ams(2026, 3, 29, 0), ams(2026, 10, 25, 0)
    assert business_seconds_between(spring, ams(2026, 3, 30, 0), ROUND_THE_CLOCK) == 23 * HOUR
    assert business_seconds_between(autumn, ams(2026, 10, 26, 0), ROUND_THE_CLOCK) == 25 * HOUR


def test_working_time_the_clocks_skip_is_none_and_intervals_never_overlap() -> None:
    # 29 March: 02:00-03:00 does not exist, so 01:30-02:30 is half an hour of real time
    spring = business_seconds_between(ams(2026, 3, 29, 0), ams(2026, 3, 29, 5), NIGHT)
    assert spring == 1.5 * HOUR
    # 25 October: 02:00-03:00 happens twice; 01:30-02:30 (first) and 03:00-04:00 stay apart
    autumn = business_seconds_between(ams(2026, 10, 25, 0), ams(2026, 10, 25, 5), NIGHT)
    assert autumn == 2 * HOUR


def test_time_zones_of_the_start_and_the_calendar_differ() -> None:
    # 14:00 UTC on Monday is 09:00 in New York (EST): 3h later is noon there, 17:00 UTC
    start = datetime(2026, 1, 5, 14, tzinfo=UTC)
    due = add_business_seconds(start, 3 * HOUR, SPLIT)
    assert due == datetime(2026, 1, 5, 17, tzinfo=UTC) and due.tzinfo == UTC
    # the lunch break does not count
    assert add_business_seconds(start, 4 * HOUR, SPLIT) == datetime(2026, 1, 5, 19, tzinfo=UTC)


def test_between_over_a_week_and_backwards() -> None:
    week = business_seconds_between(ams(2026, 3, 2), ams(2026, 3, 9), OFFICE)
    assert week == 40 * HOUR
    assert business_seconds_between(ams(2026, 3, 9), ams(2026, 3, 2), OFFICE) == -40 * HOUR
    assert business_seconds_between(ams(2026, 3, 7, 9), ams(2026, 3, 8, 17), OFFICE) == 0


def test_zero_seconds_is_the_start_itself_and_negatives_are_refused() -> None:
    assert add_business_seconds(ams(2026, 3, 7, 22), 0, OFFICE) == ams(2026, 3, 7, 22)
    with pytest.raises(ValueError, match="negative"):
        add_business_seconds(ams(2026, 3, 7), -1, OFFICE)
    with pytest.raises(ValueError, match="aware"):
        business_seconds_between(datetime(2026, 3, 7), datetime(2026, 3, 8), OFFICE)


def test_a_calendar_without_working_days_is_refused_not_looped() -> None:
    every_day = [date(2026, 1, 1) + timedelta(days=i) for i in range(3 * 366 + 2)]
    closed = working_time(Calendar(hours={"mon-sun": "09:00-17:00"}, extra_holidays=every_day))
    with pytest.raises(CalendarError, match="no working time"):
        add_business_seconds(datetime(2026, 1, 1, tzinfo=UTC), 60, closed)
    start = datetime(2026, 1, 1, tzinfo=UTC)  # measuring needs only the days in between
    assert business_seconds_between(start, start + timedelta(days=30), closed) == 0


def test_a_huge_sla_on_a_tiny_calendar_is_refused_quickly() -> None:
    minute_a_week = working_time(Calendar(hours={"mon": "09:00-09:01"}))
    with pytest.raises(CalendarError, match="more than 30 years"):
        add_business_seconds(datetime(2026, 1, 1, tzinfo=UTC), 10 * 365 * 86400, minute_a_week)


@pytest.mark.parametrize(("hours", "message"), [
    ({}, "no working hours"),
    ({"mon-frx": "09:00-17:00"}, "not a set of days"),
    ({"mon": "9-17"}, "not a time range"),
    ({"mon": "17:00-09:00"}, "run forward"),
    ({"mon": "09:00-13:00,12:00-17:00"}, "overlap"),
    ({"mon-fri": "09:00-17:00", "fri": "10:00-11:00"}, "fri is named by more than one key"),
])
def test_bad_hours_say_what_is_wrong(hours: dict[str, str], message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        parse_hours(hours)


def test_day_ranges_wrap_over_the_weekend() -> None:
    week = parse_hours({"fri-mon": "10:00-24:00"})
    assert [bool(day) for day in week] == [True, False, False, False, True, True, True]


# ---- properties ---------------------------------------------------------------------------

CALENDARS = st.sampled_from([OFFICE, SPLIT, ROUND_THE_CLOCK, NIGHT])
DST_CHANGES = [datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC)]
INSTANTS = st.one_of(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31),
                 timezones=st.just(UTC)),
    st.builds(lambda change, offset: change + timedelta(seconds=offset),
              st.sampled_from(DST_CHANGES), st.integers(-3 * 86400, 3 * 86400)))
# whole milliseconds, so that a + b is exact in floating point and in timedelta
SPANS = st.integers(min_value=0, max_value=400 * 3600 * 1000).map(lambda ms: ms / 1000)


@settings(max_examples=200, deadline=None)
@given(CALENDARS, INSTANTS, SPANS, SPANS)
def test_adding_is_additive(calendar, start, a, b) -> None:
    start = add_business_seconds(start, 1, calendar)  # a working instant
    assert add_business_seconds(add_business_seconds(start, a, calendar), b, calendar) == \
        add_business_seconds(start, a + b, calendar)


@settings(max_examples=200, deadline=None)
@given(CALENDARS, INSTANTS, SPANS)
def test_between_measures_what_add_added(calendar, start, seconds) -> None:
    end = add_business_seconds(start, seconds, calendar)
    assert end >= start
    assert business_seconds_between(start, end, calendar) == pytest.approx(seconds, abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(CALENDARS, INSTANTS, SPANS, SPANS)
def test_adding_and_measuring_are_monotone(calendar, start, a, b) -> None:
    low, high = sorted((a, b))
    assert add_business_seconds(start, low, calendar) <= add_business_seconds(start, high, calendar)
    later = start + timedelta(seconds=high)
    assert business_seconds_between(start, later, calendar) <= high + 1e-6
    assert business_seconds_between(start, start + timedelta(seconds=low), calendar) <= \
        business_seconds_between(start, later, calendar)
