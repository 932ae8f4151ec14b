"""Capacity and regressions in the browser: a manager reads the fleet's throughput against its
measured capacity and the forecast, then sees version 2 of a process flagged slower than
version 1. Screenshots go to test-artifacts/capacity-*.png."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from browser_settings import ARTIFACTS
from login_form import log_in
from playwright.sync_api import Page, expect
from statewright_cli import add_user, new_admin_token

from runtime import Engine, ManualClock
from runtime.execution.load_meter import LoadMeter

MANAGER, PASSWORD = "maren", "maren-manages-the-fleet"
INVOICE = {
    "schema": "statewright/v1", "key": "invoice-approval", "name": "Invoice approval",
    "states": [{"id": "received", "type": "start"},
               {"id": "awaiting_approval", "type": "wait"},
               {"id": "approved", "type": "end"}],
    "transitions": [{"from": "received", "to": "awaiting_approval"},
                    {"from": "awaiting_approval", "to": "approved", "on": "approve"}],
}


def shoot(page: Page, name: str) -> None:
    page.wait_for_timeout(600)  # the tab panels' slide and the charts' drawing are over
    page.screenshot(path=str(ARTIFACTS / f"capacity-{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def api(designer_url: str, server_db: str) -> httpx.Client:
    token = new_admin_token(server_db, "capacity-e2e")
    return httpx.Client(base_url=f"{designer_url}/api/v1", timeout=15,
                        headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def manager_page(browser_page: Page, designer_url: str, server_db: str) -> Page:
    add_user(server_db, MANAGER, "manager", PASSWORD)
    log_in(browser_page, designer_url, MANAGER, PASSWORD, then="/dashboards")
    return browser_page


def approve_invoices(api: httpx.Client, count: int, after_s: float) -> None:
    ids = []
    for _ in range(count):
        answer = api.post("/instances", json={"definition": "invoice-approval", "variables": {}})
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])
    time.sleep(after_s)
    for iid in ids:
        sent = api.post(f"/instances/{iid}/events", json={"event": "approve"})
        assert sent.status_code == 200, sent.text


def test_capacity_and_a_slower_version(manager_page: Page, designer_url: str,
                                       api: httpx.Client, server_db: str) -> None:
    # Another worker reports the minute it just measured: 120 jobs of 50 ms on 4 threads.
    clock = ManualClock(datetime.now(UTC) - timedelta(seconds=60))
    with Engine(server_db, clock=clock) as worker:
        meter = LoadMeter(worker.ledger, threads=4)
        for _ in range(120):
            meter.ran(0.05)
        clock.advance(60)
        meter.flush()
    assert api.post("/definitions", json=INVOICE).status_code in (200, 201)
    approve_invoices(api, 6, after_s=0)  # version 1: approved at once
    slower: dict[str, Any] = {**INVOICE, "name": "Invoice approval (four eyes)"}
    assert api.post("/definitions/invoice-approval/versions", json=slower).status_code in (
        200, 201)
    approve_invoices(api, 6, after_s=0.5)  # version 2: approvals take half a second

    page = manager_page
    page.goto(f"{designer_url}/dashboards")
    page.get_by_test_id("tab-capacity").click()
    page.wait_for_url(f"{designer_url}/dashboards?view=capacity")
    expect(page.get_by_test_id("cap-capacity")).to_contain_text("80.00 steps/s")
    expect(page.get_by_test_id("cap-throughput")).to_contain_text("2.00 steps/s")
    expect(page.get_by_test_id("cap-utilisation")).to_contain_text("2%")
    expect(page.get_by_test_id("workers")).to_contain_text("80.0")  # 4 threads / 0.05 s
    expect(page.get_by_test_id("forecast")).to_contain_text("The backlog")
    expect(page.get_by_test_id("chart-capacity")).to_be_visible()
    expect(page.get_by_test_id("chart-backlog")).to_be_visible()
    shoot(page, "1-capacity")

    page.goto(f"{designer_url}/dashboards/invoice-approval")
    page.get_by_test_id("tab-versions").click()
    page.wait_for_url(f"{designer_url}/dashboards/invoice-approval?view=versions")
    card = page.get_by_test_id("versions-1-2")
    expect(card).to_be_visible()
    expect(page.get_by_test_id("versions-1-2-slower")).to_be_visible()
    expect(page.get_by_test_id("versions-1-2-table")).to_contain_text("awaiting_approval")
    expect(page.get_by_test_id("versions-1-2-table")).to_contain_text("slower")
    shoot(page, "2-versions")
