"""The messaging admin story in real Chromium: a payment arrived before its order, so it is a
dead letter with the reason; once the order exists the admin replays it from the page and
the order is paid."""

from __future__ import annotations

import sys

from browser_settings import ARTIFACTS, ROOT
from playwright.sync_api import Page, expect

from runtime import Engine
from runtime.messaging import intake, subscriptions
from runtime.messaging.message import Message

sys.path.insert(0, str(ROOT / "tests"))
from messaging_fixtures import order_definition

PAYMENTS = subscriptions.Subscription(
    name="payments", broker="nats://127.0.0.1:4222", source="order.paid", action="send",
    definition="order-fulfilment", event="paid", correlate="message.order_id",
    payload="{'paid_by': message.payer}")


def test_an_admin_replays_a_payment_that_came_before_its_order(
        signed_in_page: Page, designer_url: str, server_db: str) -> None:
    with Engine(server_db) as engine:
        engine.publish(order_definition())
        engine.writer.submit(lambda conn: subscriptions.add(conn, PAYMENTS, engine.clock.now()))
        early = Message(b'{"order_id": "E-7", "payer": "ana"}', {}, "PAID:7")
        assert intake.apply(engine.ledger, PAYMENTS, early) == intake.DEAD_LETTERED
        order = engine.start("order-fulfilment", {"order_id": "E-7"}, business_key="E-7")

    page = signed_in_page
    page.goto(designer_url + "/admin")
    page.get_by_test_id("messaging-link").click()
    page.wait_for_url(designer_url + "/admin/messaging")
    expect(page.get_by_test_id("subscription-table")).to_contain_text("message.order_id")
    letters = page.get_by_test_id("dead-letter-table")
    expect(letters).to_contain_text("unknown-correlation")
    expect(letters).to_contain_text("no instance of 'order-fulfilment'")
    page.screenshot(path=str(ARTIFACTS / "messaging-dead-letters.png"), full_page=True)

    letters.locator("[data-testid^='replay-']").first.click()
    expect(page.get_by_text("Replayed: the message was applied")).to_be_visible()
    expect(letters).to_contain_text("replayed")
    page.screenshot(path=str(ARTIFACTS / "messaging-replayed.png"), full_page=True)
    with Engine(server_db) as engine:
        assert engine.get(order).state == "paid"
