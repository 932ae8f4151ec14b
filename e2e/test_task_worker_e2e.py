"""A task worker's day in the browser: a loan application arrives in the open inbox without a
reload, the underwriter claims it, submits the form with a field missing (the message shows
under the field), fixes it, approves, and the loan moves on. Screenshots in test-artifacts/."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx
import pytest
from browser_settings import ARTIFACTS
from demo_loans import reviewed_applicant
from login_form import log_in
from playwright.sync_api import Page, expect
from statewright_cli import add_user, new_admin_token

WORKER, PASSWORD = "uma", "uma-underwrites-loans"


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"tasks-{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def admin_token(server_db: str) -> str:
    return new_admin_token(server_db, "task-e2e")


@pytest.fixture(scope="module")
def underwriter(server_db: str) -> str:
    return add_user(server_db, WORKER, "underwriter", PASSWORD)


def start_loan(url: str, token: str) -> str:
    """Start a loan in the server's own process (the REST API), so its engine announces it."""
    answer = httpx.post(f"{url}/api/v1/instances", headers={"Authorization": f"Bearer {token}"},
                        json={"definition": "loan-approval", "variables": {
                            "applicant_name": "Grace Hopper", "amount": 25000,
                            "ssn": reviewed_applicant(1120), "application_id": "LN-E2E-7"}},
                        timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def test_a_task_worker_claims_fills_in_and_completes_a_loan_review(
    browser_page: Page, designer_url: str, underwriter: str, admin_token: str, server_db: str
) -> None:
    page = browser_page
    log_in(page, designer_url, underwriter, PASSWORD, then="/tasks")
    roles = page.get_by_test_id("role-tasks")
    expect(roles).to_be_visible()
    shoot(page, "1-empty-inbox")

    instance_id = start_loan(designer_url, admin_token)
    started = time.monotonic()
    # other e2e tests may start loans too: look for this instance's task only
    link = roles.locator(f'a[data-testid^="open-{instance_id}:"]', has_text="Underwriter review")
    expect(link).to_be_visible(timeout=30_000)  # the runner scores the applicant first
    seen = datetime.now(UTC)
    task_id = link.get_attribute("data-testid").removeprefix("open-")
    created = datetime.fromisoformat(httpx.get(
        f"{designer_url}/api/v1/tasks/{task_id}", timeout=10,
        headers={"Authorization": f"Bearer {admin_token}"}).json()["created_at"])
    print(f"\nnew task in the open inbox {(seen - created).total_seconds():.2f} s after its "
          f"commit ({time.monotonic() - started:.2f} s after the REST start, credit check "
          "by the runner included), without reload")
    assert task_id.startswith(instance_id)
    expect(page.get_by_test_id(f"priority-{task_id}")).to_have_text("high")
    row = roles.locator("tr", has=page.locator(f'[data-testid="open-{task_id}"]'))
    expect(row.locator("[data-due]")).to_contain_text("in 23h")
    shoot(page, "2-task-arrived")

    page.get_by_test_id(f"delegate-{task_id}").click()
    dialog = page.locator(".q-dialog")
    expect(dialog.get_by_text(f"Delegate task {task_id}")).to_be_visible()
    dialog.get_by_test_id("delegate-confirm").click()
    expect(dialog.get_by_text("Pick a user to delegate to")).to_be_visible()
    shoot(page, "2b-delegate-dialog")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()

    page.get_by_test_id(f"claim-{task_id}").click()
    mine = page.get_by_test_id("my-tasks")
    expect(mine.get_by_test_id(f"open-{task_id}")).to_be_visible()
    shoot(page, "3-claimed")

    mine.get_by_test_id(f"open-{task_id}").click()
    page.wait_for_url(f"{designer_url}/tasks/{task_id}")
    expect(page.get_by_text("Claimed by you")).to_be_visible()
    expect(page.get_by_text("Grace Hopper")).to_be_visible()
    expect(page.get_by_text("078-05-")).to_have_count(0)  # the SSN is sensitive: masked
    page.locator('input[data-testid="field-approved_amount"]').fill("20000")
    page.get_by_test_id("outcome-approve").click()
    expect(page.get_by_test_id("error-underwriter_comment")).to_have_text(
        "Comment is required")
    expect(page.get_by_test_id("error-approved_amount")).to_be_hidden()
    shoot(page, "4-field-error")
    page.set_viewport_size({"width": 1280, "height": 720})  # a small laptop
    shoot(page, "4b-field-error-laptop")

    page.locator('input[data-testid="field-underwriter_comment"]').fill(
        "Stable income; approve 20k of 25k.")
    page.get_by_test_id("outcome-approve").click()
    expect(page.get_by_text("The instance moved on")).to_be_visible()
    expect(page.get_by_test_id("error-underwriter_comment")).to_be_hidden()
    shoot(page, "5-completed")

    answer = httpx.get(f"{designer_url}/api/v1/instances/{instance_id}",
                       headers={"Authorization": f"Bearer {admin_token}"}, timeout=10)
    instance = answer.json()
    assert instance["state"] in ("cooling_off", "disburse", "approved"), instance
    assert instance["variables"]["approved_amount"] == 20000
    assert instance["variables"]["underwriter_comment"] == "Stable income; approve 20k of 25k."
