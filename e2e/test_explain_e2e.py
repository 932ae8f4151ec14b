"""Why is it stuck, in the browser: an operator opens the "Why?" panel of an order waiting far
longer than usual for an event, and of a payout in incident (its error, class and remedy);
the incidents view groups instances by error class, then cause. Screenshots go to
test-artifacts/explain-*.png."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from browser_settings import ARTIFACTS
from login_form import log_in
from playwright.sync_api import Page, expect
from statewright_cli import add_user, new_admin_token

from runtime.demo.loans import CLOSED_ACCOUNT_RATE
from runtime.demo.services import fraction

OPERATOR, PASSWORD = "wanda", "wanda-wonders-why-all-day"
CONFIRMATION = {
    "schema": "statewright/v1", "key": "order-confirmation", "name": "Order confirmation",
    "states": [{"id": "placed", "type": "start"},
               {"id": "awaiting_payment", "type": "wait"},
               {"id": "confirmed", "type": "end"}],
    "transitions": [{"from": "placed", "to": "awaiting_payment"},
                    {"from": "awaiting_payment", "to": "confirmed", "on": "paid"}],
}
PAYOUT = {
    "schema": "statewright/v1", "key": "refund-payout", "name": "Refund payout",
    "variables": [{"name": "application_id", "type": "string", "required": True},
                  {"name": "amount", "type": "number", "required": True}],
    "states": [{"id": "received", "type": "start"},
               {"id": "pay", "type": "task", "action": "disburse_loan",
                "retry": {"max_attempts": 1}},
               {"id": "paid", "type": "end"}],
    "transitions": [{"from": "received", "to": "pay"}, {"from": "pay", "to": "paid", "on": "done"}],
}
ROUTING = {  # `limit` is never set: the guard cannot be evaluated (bad input)
    "schema": "statewright/v1", "key": "refund-routing", "name": "Refund routing",
    "variables": [{"name": "amount", "type": "number", "required": True},
                  {"name": "limit", "type": "number"}],
    "states": [{"id": "received", "type": "start"}, {"id": "route", "type": "decision"},
               {"id": "large", "type": "end"}, {"id": "small", "type": "end"}],
    "transitions": [{"from": "received", "to": "route"},
                    {"from": "route", "to": "large", "when": "amount > limit"},
                    {"from": "route", "to": "small", "default": True}],
}


def shoot(page: Page, name: str) -> None:
    page.wait_for_timeout(600)  # the tab panels' slide is over
    page.screenshot(path=str(ARTIFACTS / f"explain-{name}.png"))


@pytest.fixture(scope="module")
def api(designer_url: str, server_db: str) -> httpx.Client:
    token = new_admin_token(server_db, "explain-e2e")
    client = httpx.Client(base_url=f"{designer_url}/api/v1", timeout=15,
                          headers={"Authorization": f"Bearer {token}"})
    for definition in (CONFIRMATION, PAYOUT, ROUTING):
        assert client.post("/definitions", json=definition).status_code in (200, 201)
    return client


@pytest.fixture(scope="module")
def operator(server_db: str) -> str:
    return add_user(server_db, OPERATOR, "operator", PASSWORD)


@pytest.fixture
def operator_page(browser_page: Page, designer_url: str, operator: str) -> Page:
    log_in(browser_page, designer_url, operator, PASSWORD, then="/instances")
    return browser_page


def start(api: httpx.Client, key: str, variables: dict[str, Any] | None = None) -> str:
    answer = api.post("/instances", json={"definition": key, "variables": variables or {}})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def wait_for(api: httpx.Client, instance_id: str, status: str) -> None:
    deadline = time.monotonic() + 40
    while api.get(f"/instances/{instance_id}").json()["status"] != status:
        assert time.monotonic() < deadline, f"{instance_id} never became {status}"
        time.sleep(0.3)


def closed_account(n: int) -> str:
    """The `n`th application id whose payout the demo bank refuses (the account is closed)."""
    return [f"RF-{k}" for k in range(10_000)
            if fraction(f"RF-{k}", "payee") < CLOSED_ACCOUNT_RATE][n]


def test_an_order_waiting_far_longer_than_usual_says_for_what_and_who_sends_it(
        operator_page: Page, designer_url: str, api: httpx.Client) -> None:
    for _ in range(5):  # orders paid at once: the usual time in awaiting_payment
        order = start(api, "order-confirmation")
        assert api.post(f"/instances/{order}/events", json={"event": "paid"}).status_code == 200
    stuck = start(api, "order-confirmation")
    time.sleep(2)
    page = operator_page
    page.goto(f"{designer_url}/instances/{stuck}")
    page.get_by_test_id("tab-why").click()
    expect(page.get_by_test_id("explain-verdict")).to_contain_text("unusually long")
    expect(page.get_by_test_id("explain-time")).to_contain_text("over 5 visits of version 1")
    expect(page.get_by_test_id("wait-event")).to_contain_text("event paid")
    expect(page.get_by_test_id("wait-event")).to_contain_text("admin or operator")
    shoot(page, "1-waiting-for-payment")


def test_a_refused_payout_explains_its_error_and_incidents_group_by_class(
        operator_page: Page, designer_url: str, api: httpx.Client) -> None:
    refused = [start(api, "refund-payout", {"application_id": closed_account(n), "amount": 90})
               for n in range(2)]
    unrouted = start(api, "refund-routing", {"amount": 5})
    for iid in (*refused, unrouted):
        wait_for(api, iid, "incident")
    page = operator_page
    page.goto(f"{designer_url}/instances?status=incident")
    permanent = page.get_by_test_id("incident-class-permanent")
    expect(permanent).to_be_visible()
    expect(page.get_by_test_id("incident-class-bad_input")).to_contain_text("set the variables")
    # other files' refund-payout incidents share the server: find the group holding ours
    group = page.get_by_test_id("incident-group").filter(
        has=page.get_by_role("link", name=refused[0][:8]))
    expect(group).to_contain_text("instance(s) of refund-payout, in pay")
    expect(group.get_by_role("link", name=refused[1][:8])).to_be_visible()
    expect(group.get_by_test_id("class-permanent")).to_be_visible()
    routing = page.get_by_test_id("incident-group").filter(has_text="refund-routing")
    expect(routing.get_by_test_id("class-bad_input")).to_be_visible()
    assert page.locator('[data-testid^="incident-class-"]').count() >= 2
    shoot(page, "2-incidents-by-class")

    group.get_by_role("link", name=refused[0][:8]).click()
    page.wait_for_url(f"{designer_url}/instances/{refused[0]}")
    page.get_by_test_id("tab-why").click()
    error = page.get_by_test_id("explain-error")
    expect(error).to_contain_text("account is closed")
    expect(error.get_by_test_id("class-permanent")).to_be_visible()
    expect(error).to_contain_text("rather than retry")
    expect(page.get_by_test_id("wait-operator")).to_contain_text("retry, move or cancel")
    shoot(page, "3-refused-payout")
