"""Checks of business calendars: each calendar compiles (time zone, hours, holiday country),
and every `calendar` a definition or human state names exists.

Messages name the place (`calendars.nl-office.timezone`); the states a finding concerns are
those the calendar times, so the designer highlights what the problem would slow down.
"""

from __future__ import annotations

from collections.abc import Mapping

from shared.business_time import CalendarError, parse_hours, public_holidays, zone
from shared.definition import Calendar, Definition, HumanState, State
from shared.findings import Finding


def check_calendars(definition: Definition, states: Mapping[str, State]) -> list[Finding]:
    found = [*_unknown_names(definition, states)]
    for name, calendar in definition.calendars.items():
        timed = _timed_by(definition, states, name)
        found += [Finding.of(code, f"calendars.{name}.{where}: {message}", states=timed)
                  for code, where, message in _problems(calendar)]
    return found


def _problems(calendar: Calendar) -> list[tuple[str, str, str]]:
    problems = []
    checks = [("bad-timezone", "timezone", lambda: zone(calendar.timezone)),
              ("bad-hours", "hours", lambda: parse_hours(calendar.hours))]
    if calendar.holidays is not None:
        source = calendar.holidays
        checks.append(("unknown-holiday-country", "holidays",
                       lambda: public_holidays(source.country, source.subdivision)))
    for code, where, check in checks:
        try:
            check()
        except CalendarError as exc:
            problems.append((code, where, str(exc)))
    return problems


def _unknown_names(definition: Definition, states: Mapping[str, State]) -> list[Finding]:
    known = ", ".join(sorted(definition.calendars)) or "none is defined"
    found = []
    if definition.calendar and definition.calendar not in definition.calendars:
        found.append(Finding.of(
            "unknown-calendar", f"the definition's `calendar` is {definition.calendar!r}, but "
            f"`calendars` has no such entry (known: {known}): add it or correct the name"))
    for state in states.values():
        if isinstance(state, HumanState) and state.calendar and (
                state.calendar not in definition.calendars):
            found.append(Finding.of(
                "unknown-calendar", f"human '{state.id}' names the calendar {state.calendar!r}, "
                f"but `calendars` has no such entry (known: {known}): add it or correct the "
                "name", states=[state.id]))
    return found


def _timed_by(definition: Definition, states: Mapping[str, State], name: str) -> list[str]:
    """The human states whose SLA runs on calendar `name`."""
    return [s.id for s in states.values() if isinstance(s, HumanState)
            and (s.calendar or definition.calendar) == name]
