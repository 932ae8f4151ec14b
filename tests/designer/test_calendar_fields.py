"""The designer's calendar fields: the process default and a human state's own calendar,
checked at once against the definition's `calendars`."""

from __future__ import annotations

import pytest
from nicegui.testing import User
from test_designer_pages import finding_codes, open_new_process

from designer import drafts
from designer.components.canvas import ProcessCanvas
from runtime import Engine

pytestmark = pytest.mark.anyio


async def test_naming_a_calendar_that_is_not_defined_is_a_finding(
        user: User, engine: Engine) -> None:
    await open_new_process(user, "calendar-claim")
    user.find(marker="field-process-calendar").type("nl-office")
    assert drafts.load(engine, "calendar-claim")["calendar"] == "nl-office"
    assert "unknown-calendar" in await finding_codes(user)
    user.find(kind=ProcessCanvas).trigger("dropped", {"type": "human", "x": 200, "y": 0})
    user.find(kind=ProcessCanvas).trigger("selected", {"nodes": ["human_1"], "edges": []})
    user.find(marker="field-calendar").type("support")
    human = drafts.load(engine, "calendar-claim")["states"][1]
    assert human["calendar"] == "support"
    user.find(marker="field-calendar").clear()
    assert "calendar" not in drafts.load(engine, "calendar-claim")["states"][1]


async def test_a_calendar_is_defined_in_the_process_properties(
        user: User, engine: Engine) -> None:
    await open_new_process(user, "calendar-office")
    user.find(marker="add-calendar").click()
    assert drafts.load(engine, "calendar-office")["calendars"] == {
        "calendar-1": {"timezone": "UTC", "hours": {"mon-fri": "09:00-17:00"}}}
    user.find(marker="calendar-name-0").clear().type("nl-office")
    user.find(marker="calendar-timezone-0").clear().type("Europe/Atlantis")
    user.find(marker="calendar-hours-0").clear().type("mon-thu 09:00-17:00; fri 09:00-12:00")
    user.find(marker="calendar-country-0").type("nl")
    calendars = drafts.load(engine, "calendar-office")["calendars"]
    assert calendars == {"nl-office": {
        "timezone": "Europe/Atlantis", "holidays": {"country": "NL"},
        "hours": {"mon-thu": "09:00-17:00", "fri": "09:00-12:00"}}}
    assert "bad-timezone" in await finding_codes(user)
    user.find(marker="calendar-timezone-0").clear().type("Europe/Amsterdam")
    assert "bad-timezone" not in await finding_codes(user)


def test_hours_read_back_as_they_are_written() -> None:
    from designer.components.calendar_editor import hours_text, parse_hours_text

    hours = {"mon-fri": "08:00-12:00,13:00-17:00", "sat": "10:00-14:00"}
    assert parse_hours_text(hours_text(hours)) == hours
    assert parse_hours_text("mon-fri ; sun 10:00 - 12:00") == {"mon-fri": "",
                                                               "sun": "10:00-12:00"}
