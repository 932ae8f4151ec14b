"""An operator's day in the browser: a loan's graph moves live as its review task completes; a
failed payout lands in the incidents view and is retried after its data is fixed; a loan is
moved to another state with a reason and the move shows in the timeline. Screenshots go to
test-artifacts/operator-*.png."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from browser_settings import ARTIFACTS
from demo_loans import reviewed_applicant
from login_form import log_in
from playwright.sync_api import Page, expect
from statewright_cli import add_user, new_admin_token

from runtime.demo.loans import CLOSED_ACCOUNT_RATE
from runtime.demo.services import fraction

OPERATOR, PASSWORD = "otto", "otto-operates-all-day"
PAYOUT = {
    "schema": "statewright/v1", "key": "payout-check", "name": "Payout check",
    "variables": [{"name": "application_id", "type": "string", "required": True},
                  {"name": "amount", "type": "number", "required": True}],
    "states": [{"id": "received", "type": "start"},
               {"id": "pay", "type": "task", "action": "disburse_loan",
                "retry": {"max_attempts": 2, "initial_s": 1, "multiplier": 1, "max_s": 1,
                          "jitter": 0}},
               {"id": "paid", "type": "end", "outcome": "completed"}],
    "transitions": [{"from": "received", "to": "pay"}, {"from": "pay", "to": "paid", "on": "done"}],
}


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"operator-{name}.png"))


@pytest.fixture(scope="module")
def api(designer_url: str, server_db: str) -> httpx.Client:
    """The REST API as an admin: the server's own engine does the work, so pages hear it."""
    token = new_admin_token(server_db, "operator-e2e")
    return httpx.Client(base_url=f"{designer_url}/api/v1", timeout=15,
                        headers={"Authorization": f"Bearer {token}"})


@pytest.fixture(scope="module")
def operator(server_db: str) -> str:
    return add_user(server_db, OPERATOR, "operator", PASSWORD)


@pytest.fixture
def operator_page(browser_page: Page, designer_url: str, operator: str) -> Page:
    log_in(browser_page, designer_url, operator, PASSWORD, then="/instances")
    return browser_page


def closed_account() -> str:
    """An application id whose payout the demo bank refuses (the account is closed)."""
    return next(f"LN-{n}" for n in range(10_000)
                if fraction(f"LN-{n}", "payee") < CLOSED_ACCOUNT_RATE)


def start(api: httpx.Client, key: str, variables: dict[str, Any]) -> str:
    answer = api.post("/instances", json={"definition": key, "variables": variables})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def wait_for(api: httpx.Client, instance_id: str, field: str, value: str) -> None:
    deadline = time.monotonic() + 40
    while api.get(f"/instances/{instance_id}").json()[field] != value:
        assert time.monotonic() < deadline, f"{instance_id} never reached {field}={value}"
        time.sleep(0.3)


def loan_in_review(api: httpx.Client, applicant: str, amount: int, application_id: str) -> str:
    """Start a loan the credit check sends to the underwriter; returns once it waits there."""
    loan = start(api, "loan-approval", {"applicant_name": applicant, "amount": amount,
                                        "ssn": reviewed_applicant(2120),
                                        "application_id": application_id})
    wait_for(api, loan, "state", "review")
    return loan


def node(page: Page, state: str) -> Any:
    return page.locator(f'.vue-flow__node[data-id="{state}"]')


def test_the_graph_moves_live_when_the_review_task_completes(
        operator_page: Page, designer_url: str, api: httpx.Client) -> None:
    page = operator_page
    loan = loan_in_review(api, "Ada Lovelace", 30000, "LN-OP-1")
    page.goto(f"{designer_url}/instances/{loan}")
    expect(page.get_by_test_id("instance-state")).to_have_text("in review")
    expect(node(page, "review")).to_be_visible()
    expect(page.get_by_text("078-05-")).to_have_count(0)  # the SSN is masked everywhere
    shoot(page, "1-in-review")

    task = next(t for t in api.get("/tasks").json()["items"] if t["instance_id"] == loan)
    sent = time.monotonic()
    done = api.post(f"/tasks/{task['id']}/complete", json={
        "outcome": "request_docs", "data": {"underwriter_comment": "Need two payslips."}})
    assert done.status_code == 200, done.text
    expect(page.get_by_test_id("instance-state")).to_have_text("in wait_docs", timeout=5_000)
    print(f"\ngraph moved {time.monotonic() - sent:.2f} s after the REST completion")
    expect(page.get_by_text("Moved from review to wait_docs on request_docs")).to_be_visible()
    shoot(page, "2-moved-live")


def test_a_failed_payout_is_fixed_and_retried_from_the_incidents_view(
        operator_page: Page, designer_url: str, api: httpx.Client) -> None:
    page = operator_page
    assert api.post("/definitions", json=PAYOUT).status_code in (200, 201)
    payout = start(api, "payout-check", {"application_id": closed_account(), "amount": 900})
    wait_for(api, payout, "status", "incident")
    page.goto(f"{designer_url}/instances?status=incident")
    group = page.get_by_test_id("incident-group").filter(has_text="payout-check")
    expect(group).to_be_visible()
    shoot(page, "3-incidents")

    group.get_by_role("link", name=payout[:8]).click()
    page.wait_for_url(f"{designer_url}/instances/{payout}")
    expect(page.get_by_test_id("instance-status")).to_have_text("incident")
    expect(page.get_by_text("account is closed").first).to_be_visible()
    shoot(page, "4-failed-action")

    page.get_by_text("Variables", exact=True).click()
    page.get_by_test_id("edit-application_id").click()
    page.locator('input[data-testid="variable-value"]').fill('"LN-OP-FIXED"')
    page.locator('textarea[data-testid="reason-input"]').fill("customer gave the new account")
    page.get_by_test_id("reason-confirm").click()
    expect(page.get_by_test_id("variable-application_id")).to_have_text('"LN-OP-FIXED"')

    page.get_by_test_id("op-retry").click()
    page.locator('textarea[data-testid="reason-input"]').fill("account fixed")
    page.get_by_test_id("reason-confirm").click()
    expect(page.get_by_test_id("instance-status")).to_have_text("completed", timeout=20_000)
    page.get_by_text("History", exact=True).click()
    expect(page.get_by_text("retried", exact=False).first).to_be_visible()
    shoot(page, "5-retried")


def test_an_operator_moves_a_loan_with_a_reason_and_sees_it_in_the_timeline(
        operator_page: Page, designer_url: str, api: httpx.Client) -> None:
    page = operator_page
    loan = loan_in_review(api, "Alan Turing", 40000, "LN-OP-3")
    page.goto(f"{designer_url}/instances/{loan}")
    expect(node(page, "wait_docs")).to_be_visible()
    node(page, "wait_docs").click()  # pick the target on the graph
    page.get_by_test_id("op-move").click()
    expect(page.get_by_test_id("move-target")).to_contain_text("wait_docs")
    page.locator('textarea[data-testid="reason-input"]').fill("documents arrived by post")
    shoot(page, "6-move-dialog")
    page.get_by_test_id("reason-confirm").click()
    expect(page.get_by_test_id("instance-state")).to_have_text("in wait_docs")
    entry = page.get_by_text("Moved by otto from review to wait_docs: documents arrived by post")
    expect(entry).to_be_visible()
    expect(page.get_by_text("documents arrived by post").first).to_be_visible()
    shoot(page, "7-moved")

    first = page.locator('[data-testid^="event-"]').last  # the oldest event: time travel
    first.click()
    expect(page.get_by_test_id("travel-banner")).to_be_visible()
    shoot(page, "8-time-travel")
