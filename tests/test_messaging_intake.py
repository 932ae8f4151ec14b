"""Messages start and move orders once each; what cannot be applied is dead-lettered and
can be replayed once the cause is gone (SQLite and PostgreSQL, no broker needed)."""

from __future__ import annotations

import json

import pytest
from messaging_fixtures import order_definition

from runtime import Engine
from runtime.core.errors import EngineError
from runtime.messaging import deadletters, intake, subscriptions
from runtime.messaging.message import Message
from runtime.messaging.subscriptions import Subscription

ORDERS_IN = Subscription(name="orders-in", broker="nats://127.0.0.1:4222", source="order.placed",
                         action="start", definition="order-fulfilment",
                         business_key="message.order_id")
PAYMENTS = Subscription(name="payments", broker="nats://127.0.0.1:4222", source="order.paid",
                        action="send", definition="order-fulfilment", event="paid",
                        correlate="message.order_id", payload="{'paid_by': message.payer}",
                        idempotency="header:payment-id")


def _msg(body: dict | bytes, broker_id: str | None = None, **headers: str) -> Message:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Message(raw, headers, broker_id)


@pytest.fixture
def orders(engine: Engine) -> Engine:
    engine.publish(order_definition())
    for sub in (ORDERS_IN, PAYMENTS):
        engine.writer.submit(lambda conn, s=sub: subscriptions.add(conn, s, engine.clock.now()))
    return engine


def _dead(engine: Engine) -> list[dict]:
    with engine.store.read() as conn:
        return deadletters.letters(conn)


def test_a_redelivered_order_message_starts_one_instance(orders: Engine) -> None:
    placed = _msg({"order_id": "A-1", "amount": 40}, broker_id="ORDERS:7")
    assert intake.apply(orders.ledger, ORDERS_IN, placed) == intake.APPLIED
    assert intake.apply(orders.ledger, ORDERS_IN, placed) == intake.APPLIED
    page = orders.list_instances(definition="order-fulfilment")
    assert page.total == 1
    assert page.items[0].business_key == "A-1"
    assert page.items[0].state == "awaiting_payment"


def test_a_payment_moves_the_order_its_order_id_names_once(orders: Engine) -> None:
    intake.apply(orders.ledger, ORDERS_IN, _msg({"order_id": "A-2"}, "ORDERS:1"))
    other = orders.start("order-fulfilment", {"order_id": "A-3"}, business_key="A-3")
    paid = _msg({"order_id": "A-2", "payer": "ana"}, **{"payment-id": "pay-9"})
    assert intake.apply(orders.ledger, PAYMENTS, paid) == intake.APPLIED
    assert intake.apply(orders.ledger, PAYMENTS, paid) == intake.APPLIED  # redelivered
    moved = orders.list_instances(business_key="A-2").items[0]
    assert (moved.state, moved.variables["paid_by"]) == ("paid", "ana")
    assert [e.data.get("to") for e in orders.history(moved.id)].count("paid") == 1
    assert orders.get(other).state == "awaiting_payment"
    assert _dead(orders) == []


def test_a_payment_can_be_matched_on_a_variable(orders: Engine) -> None:
    iid = orders.start("order-fulfilment", {"order_id": "V-1"})  # no business key
    by_var = Subscription(**{**PAYMENTS.to_json(), "name": "by-var",
                             "match": "variable:order_id"})
    intake.apply(orders.ledger, by_var, _msg({"order_id": "V-1", "payer": "bo"},
                                             **{"payment-id": "p1"}))
    assert orders.get(iid).state == "paid"


def test_malformed_unknown_and_refused_messages_are_dead_letters_with_reasons(
        orders: Engine) -> None:
    intake.apply(orders.ledger, ORDERS_IN, _msg(b"\xff not json", "ORDERS:2"))
    intake.apply(orders.ledger, PAYMENTS, _msg({"order_id": "nobody"}, **{"payment-id": "p2"}))
    intake.apply(orders.ledger, PAYMENTS, _msg({"order_id": "A-4"}))  # no payment-id header
    orders.start("order-fulfilment", {"order_id": "A-5"}, business_key="A-5")
    paid = _msg({"order_id": "A-5", "payer": "cy"}, **{"payment-id": "p3"})
    intake.apply(orders.ledger, PAYMENTS, paid)
    intake.apply(orders.ledger, PAYMENTS, _msg({"order_id": "A-5", "payer": "cy"},
                                               **{"payment-id": "p4"}))  # already paid
    letters = {(d["reason"], d["message_key"]): d for d in _dead(orders)}
    assert set(letters) == {("malformed", "ORDERS:2"), ("unknown-correlation", "p2"),
                            ("malformed", None), ("refused", "p4")}
    assert "not JSON" in letters["malformed", "ORDERS:2"]["detail"]
    assert "payment-id" in letters["malformed", None]["detail"]
    assert "nobody" in letters["unknown-correlation", "p2"]["detail"]


def test_a_dead_letter_redelivered_counts_an_attempt_on_the_same_row(orders: Engine) -> None:
    lost = _msg({"order_id": "late"}, **{"payment-id": "p5"})
    intake.apply(orders.ledger, PAYMENTS, lost)
    intake.apply(orders.ledger, PAYMENTS, lost)
    [letter] = _dead(orders)
    assert letter["attempts"] == 2


def test_a_replayed_dead_letter_applies_once_its_order_exists(orders: Engine) -> None:
    early = _msg({"order_id": "B-1", "payer": "di"}, **{"payment-id": "p6"})
    intake.apply(orders.ledger, PAYMENTS, early)
    [letter] = _dead(orders)
    assert intake.replay(orders.ledger, letter["id"]) == intake.DEAD_LETTERED
    iid = orders.start("order-fulfilment", {"order_id": "B-1"}, business_key="B-1")
    assert intake.replay(orders.ledger, letter["id"]) == intake.APPLIED
    assert orders.get(iid).state == "paid"
    with orders.store.read() as conn:
        replayed = deadletters.letter(conn, letter["id"])
    assert (replayed["status"], replayed["attempts"]) == ("replayed", 2)
    assert _dead(orders) == []


def test_a_binary_body_is_kept_exactly_and_replays_as_it_came(orders: Engine) -> None:
    intake.apply(orders.ledger, ORDERS_IN, _msg(b"\x00\xff\xfe", "ORDERS:3"))
    [letter] = _dead(orders)
    assert Message.from_stored(letter["body"], letter["headers"], None).body == b"\x00\xff\xfe"


@pytest.mark.parametrize(("change", "field"), [
    ({"broker": "ftp://x"}, "broker"), ({"action": "poke"}, "action"),
    ({"correlate": "message.("}, "correlate"), ({"match": "variable"}, "match"),
    ({"name": "Bad Name"}, "name"), ({"event": None}, "event"),
])
def test_a_subscription_that_cannot_run_is_refused_naming_the_field(change: dict,
                                                                     field: str) -> None:
    with pytest.raises(EngineError) as refused:
        subscriptions.checked(Subscription(**{**PAYMENTS.to_json(), **change}))
    assert refused.value.details["field"] == field


def test_a_definitions_triggers_become_its_subscriptions_when_published(
        engine: Engine) -> None:
    doc = order_definition()
    doc["triggers"] = [{"broker": "redis://127.0.0.1:6379/0", "source": "orders",
                        "business_key": "message.order_id"},
                       {"name": "order-paid", "broker": "nats://127.0.0.1:4222",
                        "source": "order.paid", "action": "send", "event": "paid",
                        "correlate": "message.order_id"}]
    engine.publish(doc)
    with engine.store.read() as conn:
        found = {s.name: s for s in subscriptions.all_subscriptions(conn)}
    assert set(found) == {"order-fulfilment-1", "order-paid"}
    assert found["order-paid"].origin == "definition:order-fulfilment"
    assert found["order-fulfilment-1"].action == "start"
    engine.publish(order_definition())  # a version without triggers drops them
    with engine.store.read() as conn:
        assert subscriptions.all_subscriptions(conn) == []


def test_a_definition_with_a_trigger_that_cannot_run_is_not_published(engine: Engine) -> None:
    doc = order_definition()
    doc["triggers"] = [{"broker": "redis://127.0.0.1:6379/0", "source": "orders",
                        "action": "send", "event": "paid"}]  # no correlate
    with pytest.raises(EngineError, match="--correlate"):
        engine.publish(doc)
    with pytest.raises(EngineError):
        engine.version("order-fulfilment")
