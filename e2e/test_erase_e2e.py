"""A data-protection officer (an admin) erases a claimant's data from the instance page: the
warning names the sensitive variables, a reason is required, and afterwards the page shows
the instance cancelled, its sensitive values gone and the `erased` event in the timeline.
An operator sees no Erase button. Screenshots go to test-artifacts/erase-*.png."""

from __future__ import annotations

import httpx
import pytest
from browser_settings import ARTIFACTS
from login_form import log_in
from playwright.sync_api import Page, expect
from statewright_cli import add_user, new_admin_token

SSN = "078-05-1120"
CLAIM = {
    "schema": "statewright/v1", "key": "erasable-claim", "name": "Erasable claim",
    "variables": [{"name": "ssn", "type": "string", "sensitive": True},
                  {"name": "claimant", "type": "string"}],
    "states": [{"id": "filed", "type": "start"},
               {"id": "wait_docs", "type": "wait", "timeout_s": 3600},
               {"id": "closed", "type": "end"}],
    "transitions": [{"from": "filed", "to": "wait_docs"},
                    {"from": "wait_docs", "to": "closed", "on": "docs"},
                    {"from": "wait_docs", "to": "closed", "on": "timeout"}],
}


@pytest.fixture(scope="module")
def api(designer_url: str, server_db: str) -> httpx.Client:
    token = new_admin_token(server_db, "erase-e2e")
    client = httpx.Client(base_url=f"{designer_url}/api/v1", timeout=15,
                          headers={"Authorization": f"Bearer {token}"})
    client.post("/definitions", json=CLAIM).raise_for_status()
    return client


def new_claim(api: httpx.Client) -> str:
    answer = api.post("/instances", json={"definition": "erasable-claim",
                                           "variables": {"ssn": SSN, "claimant": "Grace"}})
    answer.raise_for_status()
    return answer.json()["id"]


def test_an_admin_erases_a_claim_from_its_page(signed_in_page: Page, designer_url: str,
                                               api: httpx.Client) -> None:
    page = signed_in_page
    claim = new_claim(api)
    page.goto(f"{designer_url}/instances/{claim}")
    expect(page.get_by_test_id("instance-status")).to_have_text("running")
    page.get_by_test_id("op-erase").click()
    expect(page.get_by_test_id("erase-warning")).to_contain_text("(ssn)")
    page.get_by_test_id("reason-confirm").click()  # no reason: refused in the dialog
    expect(page.get_by_text("Please give a reason.")).to_be_visible()
    page.locator('textarea[data-testid="reason-input"]').fill("GDPR erasure request #88")
    page.screenshot(path=str(ARTIFACTS / "erase-1-dialog.png"))
    page.get_by_test_id("reason-confirm").click()
    expect(page.get_by_test_id("instance-status")).to_have_text("cancelled")
    expect(page.get_by_test_id("op-erase")).to_have_count(0)
    expect(page.get_by_text("GDPR erasure request #88").first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "erase-2-done.png"))
    history = api.get(f"/instances/{claim}/history").json()
    erased = history["events"][-1] if isinstance(history, dict) else history[-1]
    assert erased["type"] == "erased" and erased["actor"] == "admin"
    assert SSN not in api.get(f"/instances/{claim}/history").text
    assert api.get("/audit/verify").json()["ok"]


def test_an_operator_is_not_offered_erase(browser_page: Page, designer_url: str,
                                          server_db: str, api: httpx.Client) -> None:
    add_user(server_db, "oona", "operator", "oona-operates-all-day")
    log_in(browser_page, designer_url, "oona", "oona-operates-all-day", then="/instances")
    claim = new_claim(api)
    browser_page.goto(f"{designer_url}/instances/{claim}")
    expect(browser_page.get_by_test_id("op-cancel")).to_be_visible()
    expect(browser_page.get_by_test_id("op-erase")).to_have_count(0)
