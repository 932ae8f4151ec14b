"""The compliance page in real Chromium: an auditor opens it, finds the claim Ana both
prepared and approved (late), narrows it to the definition, and downloads CSV and PDF; an
operator is refused the page."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from browser_settings import ARTIFACTS
from login_form import log_in
from playwright.sync_api import Page, expect
from statewright_cli import add_user

from runtime import Engine, ManualClock
from runtime.people.tasks import Caller

ANA = Caller("ana", frozenset({"clerk", "approver"}))
EXPENSES = {
    "schema": "statewright/v1",
    "key": "travel-expense",
    "variables": [{"name": "amount", "type": "number", "required": True},
                  {"name": "iban", "type": "string", "sensitive": True}],
    "states": [
        {"id": "submitted", "type": "start"},
        {"id": "prepare", "type": "human", "role": "clerk", "sla_s": 86400,
         "form": [{"name": "iban", "type": "string", "required": True}]},
        {"id": "approve", "type": "human", "role": "approver", "sla_s": 3600},
        {"id": "paid", "type": "end", "outcome": "completed"},
    ],
    "transitions": [
        {"from": "submitted", "to": "prepare"},
        {"from": "prepare", "to": "approve", "on": "submit"},
        {"from": "approve", "to": "paid", "on": "approve"},
    ],
    "segregation": [{"name": "four eyes", "states": ["prepare", "approve"]}],
}
PASSWORD = "auditor-e2e-password"


def _work(engine: Engine, iid: str, outcome: str, data: dict | None = None) -> None:
    task = next(t for t in engine.tasks.list(ANA, state="open").items if t.instance_id == iid)
    engine.tasks.claim(task.id, ANA)
    engine.tasks.complete(task.id, ANA, outcome, data or {})


def test_an_auditor_finds_a_broken_four_eyes_rule_and_downloads_the_report(
        browser_page: Page, designer_url: str, server_db: str) -> None:
    clock = ManualClock(datetime.now(UTC) - timedelta(hours=3))
    with Engine(server_db, clock=clock) as engine:
        engine.publish(EXPENSES)
        claim = engine.start("travel-expense", {"amount": 980}, actor="intake")
        _work(engine, claim, "submit", {"iban": "DE02120300000000202051"})
        clock.advance(2 * 3600)
        _work(engine, claim, "approve")
    add_user(server_db, "aude", "auditor", PASSWORD)
    add_user(server_db, "oskar", "operator", PASSWORD)

    page = browser_page
    log_in(page, designer_url, "aude", PASSWORD, then="/compliance")
    violations = page.get_by_test_id("table-segregation")
    expect(violations).to_contain_text("four eyes")
    expect(violations).to_contain_text(claim)
    expect(page.get_by_test_id("table-sla_late_tasks")).to_contain_text("approve")
    expect(page.get_by_test_id("table-sensitive_access")).to_contain_text("iban")
    page.screenshot(path=str(ARTIFACTS / "compliance-report.png"), full_page=True)

    page.get_by_test_id("filter-definition").click()
    page.get_by_role("option", name="travel-expense").click()
    page.get_by_test_id("filter-show").click()
    expect(page.get_by_test_id("count-segregation")).to_contain_text("1")
    with page.expect_download() as csv_download:
        page.get_by_test_id("download-csv").click()
    assert csv_download.value.suggested_filename.endswith("-travel-expense.csv")
    rows = list(csv.DictReader(io.StringIO(csv_download.value.path().read_text())))
    assert [r["actor"] for r in rows if r["section"] == "segregation"] == ["ana"]
    with page.expect_download() as pdf_download:
        page.get_by_test_id("download-pdf").click()
    with open(pdf_download.value.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"

    page.get_by_test_id("filter-from").fill("2031-01-01")
    page.get_by_test_id("filter-to").fill("2030-01-01")
    page.get_by_test_id("filter-show").click()
    expect(page.get_by_test_id("filter-error")).to_contain_text("the period is empty")

    page.context.clear_cookies()
    log_in(page, designer_url, "oskar", PASSWORD, then="/compliance")
    expect(page.get_by_text("It needs the permission `compliance.read`")).to_be_visible()
