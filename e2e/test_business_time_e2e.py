"""Business time on a process dashboard: a process with a calendar offers a Wall clock /
Business time toggle (and `?time=business`); the range line says which clock the figures
use. Screenshots in test-artifacts/business-time-*.png."""

from __future__ import annotations

import httpx
import pytest
from browser_settings import ARTIFACTS
from playwright.sync_api import Page, expect
from statewright_cli import new_admin_token

KEY = "btime-e2e-review"
DEFINITION = {
    "schema": "statewright/v1", "key": KEY, "name": "Business-time review",
    "calendars": {"btime-office": {"timezone": "Europe/Amsterdam",
                                   "hours": {"mon-fri": "09:00-17:00"},
                                   "holidays": {"country": "NL"}}},
    "calendar": "btime-office",
    "states": [{"id": "begin", "type": "start"},
               {"id": "review", "type": "human", "role": "btime-e2e-reviewer", "sla_s": 7200},
               {"id": "done", "type": "end"}],
    "transitions": [{"from": "begin", "to": "review"},
                    {"from": "review", "to": "done", "on": "approve"}],
}


@pytest.fixture(scope="module")
def finished(designer_url: str, server_db: str) -> str:
    """The process published and one instance taken through its task (REST, as the admin)."""
    auth = {"Authorization": f"Bearer {new_admin_token(server_db, 'btime-e2e')}"}
    api = f"{designer_url}/api/v1"
    published = httpx.post(f"{api}/definitions", json=DEFINITION, headers=auth, timeout=10)
    assert published.status_code in (200, 201), published.text
    started = httpx.post(f"{api}/instances", json={"definition": KEY, "variables": {}},
                         headers=auth, timeout=10)
    assert started.status_code == 201, started.text
    tasks = httpx.get(f"{api}/tasks", params={"definition": KEY, "state": "open"},
                      headers=auth, timeout=10).json()["items"]
    task_id = tasks[0]["id"]
    assert httpx.post(f"{api}/tasks/{task_id}/claim", headers=auth, timeout=10).is_success
    done = httpx.post(f"{api}/tasks/{task_id}/complete", json={"outcome": "approve"},
                      headers=auth, timeout=10)
    assert done.is_success, done.text
    return KEY


def test_the_dashboard_switches_between_wall_clock_and_business_time(
        signed_in_page: Page, designer_url: str, finished: str) -> None:
    page = signed_in_page
    page.goto(f"{designer_url}/dashboards/{finished}")
    shown = page.get_by_test_id("range-shown")
    expect(shown).not_to_contain_text("business time")
    expect(page.get_by_test_id("chart-cycle-trend")).to_be_visible()  # drawn and connected
    page.wait_for_load_state("networkidle")
    page.get_by_test_id("time").get_by_text("Business time").click()
    expect(shown).to_contain_text("business time (btime-office)", timeout=15_000)
    page.screenshot(path=str(ARTIFACTS / "business-time-1-wide.png"), full_page=True)
    page.goto(f"{designer_url}/dashboards/{finished}?time=business")
    expect(shown).to_contain_text("business time (btime-office)")
    page.set_viewport_size({"width": 390, "height": 844})
    page.emulate_media(color_scheme="dark")
    page.reload()
    expect(shown).to_contain_text("business time")
    page.screenshot(path=str(ARTIFACTS / "business-time-2-phone-dark.png"))
    page.goto(f"{designer_url}/dashboards")  # the overview has no calendar of its own
    expect(page.get_by_test_id("time")).to_have_count(0)


def test_the_designer_shows_the_process_calendars(
        signed_in_page: Page, designer_url: str, finished: str) -> None:
    page = signed_in_page
    page.goto(f"{designer_url}/designer/{finished}")
    expect(page.get_by_test_id("calendar-name-0")).to_have_value("btime-office")
    expect(page.get_by_test_id("calendar-hours-0")).to_have_value("mon-fri 09:00-17:00")
    page.get_by_test_id("properties").screenshot(
        path=str(ARTIFACTS / "business-time-3-designer-calendars.png"))
