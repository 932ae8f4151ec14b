"""Subscriptions configured from the Messaging admin page in real Chromium: an admin adds
one through the form, a typo in the broker URL is refused under that field, and the admin
removes the subscription again after confirming."""

from __future__ import annotations

import sys

from browser_settings import ARTIFACTS, ROOT
from playwright.sync_api import Page, expect

from runtime import Engine
from runtime.messaging import subscriptions

sys.path.insert(0, str(ROOT / "tests"))
from messaging_fixtures import order_definition


def _stored(server_db: str, name: str) -> subscriptions.Subscription | None:
    with Engine(server_db) as engine, engine.store.read() as conn:
        return subscriptions.get(conn, name)


def test_an_admin_adds_and_removes_a_subscription_from_the_page(
        signed_in_page: Page, designer_url: str, server_db: str) -> None:
    with Engine(server_db) as engine:
        engine.publish(order_definition())
    page = signed_in_page
    page.goto(designer_url + "/admin/messaging")
    form = page.get_by_test_id("subscription-form")
    expect(form).to_be_visible()

    page.get_by_test_id("sub-name").fill("web-orders")
    page.get_by_test_id("sub-broker").fill("http://broker:4222")
    page.get_by_test_id("sub-source").fill("orders.created")
    page.get_by_test_id("sub-definition").click()
    page.get_by_role("option", name="order-fulfilment").click()
    page.get_by_test_id("sub-business-key").fill("message.order_id")
    page.get_by_test_id("sub-submit").click()
    expect(form).to_contain_text("must be a URL with one of the schemes")
    page.wait_for_timeout(400)  # Quasar fades the hint out and the error in
    page.screenshot(path=str(ARTIFACTS / "messaging-form-error.png"), full_page=True)
    assert _stored(server_db, "web-orders") is None

    page.get_by_test_id("sub-broker").fill("nats://broker:4222")
    page.get_by_test_id("sub-business-key").fill("message.order_id +")
    page.get_by_test_id("sub-submit").click()
    expect(form).to_contain_text("is not valid CEL")
    assert _stored(server_db, "web-orders") is None

    page.get_by_test_id("sub-business-key").fill("message.order_id")
    page.get_by_test_id("sub-submit").click()
    expect(page.get_by_text("Added subscription web-orders")).to_be_visible()
    table = page.get_by_test_id("subscription-table")
    expect(table).to_contain_text("web-orders")
    expect(table).to_contain_text("orders.created")
    page.screenshot(path=str(ARTIFACTS / "messaging-form-added.png"), full_page=True)
    stored = _stored(server_db, "web-orders")
    assert stored is not None
    assert (stored.action, stored.business_key, stored.origin) == (
        "start", "message.order_id", "web")

    page.get_by_test_id("remove-web-orders").click()
    expect(page.get_by_test_id("confirm-yes")).to_be_visible()
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "messaging-form-confirm.png"))
    page.get_by_test_id("confirm-yes").click()
    expect(page.get_by_text("Removed subscription web-orders")).to_be_visible()
    expect(table).not_to_contain_text("web-orders")
    assert _stored(server_db, "web-orders") is None
