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
