"""The alert story in real Chromium: the admin opens Alerts, is refused a rule with a bad
name (the field is named), defines a breaker rule, sees it fire once the payment gateway's
breaker opens and the runner's evaluation runs, then removes the rule."""

from __future__ import annotations

from browser_settings import ARTIFACTS
from playwright.sync_api import Page, expect
from statewright_cli import cli

from runtime import Engine


def choose(page: Page, select_test_id: str, option: str) -> None:
    page.get_by_test_id(select_test_id).click()
    page.get_by_role("option", name=option, exact=True).click()  # a single select closes


def test_an_admin_defines_a_breaker_rule_and_sees_it_fire(
    signed_in_page: Page, designer_url: str, server_db: str
) -> None:
    page = signed_in_page
    page.get_by_test_id("nav-alerts").click()
    page.wait_for_url(designer_url + "/alerts")
    expect(page.get_by_test_id("rule-table")).to_contain_text("No alert rules yet")

    page.get_by_test_id("new-rule").click()
    page.locator('input[data-testid="rule-name"]').fill("Gateway Down")
    choose(page, "rule-kind", "breaker_open")
    page.get_by_test_id("create-rule").click()
    expect(page.get_by_text("alert rule name 'Gateway Down' must be lower-case")).to_be_visible()

    page.locator('input[data-testid="rule-name"]').fill("gateway-down")
    page.get_by_label("Breaker group (empty: any)").fill("card-gateway")
    page.screenshot(path=str(ARTIFACTS / "alerts-new-rule.png"))
    page.get_by_test_id("create-rule").click()
    rules = page.get_by_test_id("rule-table")
    expect(rules).to_contain_text("gateway-down")
    expect(rules).to_contain_text("card-gateway")

    with Engine(server_db) as engine:  # the gateway fails: its breaker opens
        engine.breakers.failure_threshold = 1
        engine.breakers.record("card-gateway", ok=False)
    cli(server_db, "alerts", "evaluate")  # as the runner does every interval
    alerts = page.get_by_test_id("alert-table")
    expect(alerts).to_contain_text("firing", timeout=15_000)  # the page refreshes itself
    expect(alerts).to_contain_text("circuit breaker 'card-gateway' is open")
    page.screenshot(path=str(ARTIFACTS / "alerts-firing.png"), full_page=True)

    page.get_by_test_id("delete-rule-gateway-down").click()
    page.get_by_test_id("confirm-yes").click()
    expect(rules).to_contain_text("No alert rules yet")
    expect(alerts).not_to_contain_text("gateway-down", timeout=10_000)
