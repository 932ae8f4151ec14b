"""An analyst opens the loan process in the designer, presses Play, steps a token through to
an end (choosing the score task's outcome with a payload, the timer, the payout) and sees
the path, the guards with their values and the current state on the canvas; then asks
"what if?". Screenshots go to test-artifacts/."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page, expect

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
START = {"applicant_name": "Ada", "amount": 5000, "application_id": "A-1"}


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"simulate-{name}.png"))


def test_play_a_draft_through_to_its_end(signed_in_page: Page, designer_url: str) -> None:
    page = signed_in_page
    page.goto(designer_url + "/designer/loan-approval")
    expect(page.locator('.vue-flow__node[data-id="score"]')).to_be_visible()
    page.get_by_test_id("simulate-open").click()
    page.get_by_test_id("sim-vars").fill(json.dumps(START))
    page.get_by_test_id("sim-play").click()
    expect(page.get_by_test_id("sim-status")).to_have_text("running in score")
    expect(page.locator('.vue-flow__node[data-id="score"] .sw-node--current')).to_have_count(1)
    shoot(page, "1-started")
    page.get_by_test_id("sim-payload").fill('{"credit_score": 720}')
    page.get_by_test_id("sim-choice-done").click()
    expect(page.get_by_test_id("sim-status")).to_have_text("running in cooling_off")
    expect(page.get_by_test_id("sim-guard").filter(has_text="credit_score >= 700")).to_contain_text(
        "= true (amount=5000, credit_score=720) ✓")
    shoot(page, "2-guards")
    page.get_by_test_id("sim-choice-elapsed").click()
    page.get_by_test_id("sim-choice-done").click()
    expect(page.get_by_test_id("sim-status")).to_have_text("completed in approved")
    expect(page.get_by_test_id("sim-path")).to_have_text(
        "received → score → route → cooling_off → disburse → approved")
    shoot(page, "3-ended")


def test_a_bad_start_is_named_and_what_if_shows_the_replay(signed_in_page: Page,
                                                           designer_url: str) -> None:
    page = signed_in_page
    page.goto(designer_url + "/designer/loan-approval")
    page.get_by_test_id("simulate-open").click()
    page.get_by_test_id("sim-vars").fill('{"amount": "lots"}')
    page.get_by_test_id("sim-play").click()
    expect(page.get_by_test_id("sim-error")).to_contain_text("'amount' must be a number")
    page.get_by_test_id("whatif-open").click()
    page.get_by_test_id("whatif-run").click()
    expect(page.get_by_test_id("whatif-summary")).to_contain_text("replayed (v1)")
    page.get_by_test_id("whatif-summary").scroll_into_view_if_needed()
    shoot(page, "4-whatif")
