"""An operator configures messaging from a shell: subscriptions and outbox routes are added,
listed and removed; a subscription that cannot run is refused with exit 2 naming the field;
dead letters are listed and replayed once their cause is gone."""

from __future__ import annotations

import json

from messaging_fixtures import order_definition
from typer.testing import CliRunner

from runtime import Engine
from runtime.cli import app
from runtime.messaging import intake, subscriptions
from runtime.messaging.message import Message

runner = CliRunner()
NATS = "nats://127.0.0.1:4222"


def _cli(*args: str):
    return runner.invoke(app, list(args))


def test_an_operator_adds_lists_and_removes_a_payment_subscription(sqlite_url: str) -> None:
    with Engine(sqlite_url) as engine:
        engine.publish(order_definition())
    added = _cli("subscriptions", "add", "payments", "--broker", NATS, "--source", "order.paid",
                 "--definition", "order-fulfilment", "--action", "send", "--event", "paid",
                 "--correlate", "message.order_id", "--db", sqlite_url)
    assert added.exit_code == 0, added.output
    listed = json.loads(_cli("subscriptions", "list", "--db", sqlite_url, "--json").output)
    assert [(s["name"], s["event"], s["correlate"]) for s in listed] == [
        ("payments", "paid", "message.order_id")]
    again = _cli("subscriptions", "add", "payments", "--broker", NATS, "--source", "x",
                 "--definition", "order-fulfilment", "--db", sqlite_url)
    assert again.exit_code == 2 and "already exists" in again.output
    assert _cli("subscriptions", "remove", "payments", "--db", sqlite_url).exit_code == 0
    assert json.loads(_cli("subscriptions", "list", "--db", sqlite_url, "--json").output) == []


def test_a_subscription_that_cannot_run_is_refused_with_exit_2(sqlite_url: str) -> None:
    bad_cel = _cli("subscriptions", "add", "p", "--broker", NATS, "--source", "s",
                   "--definition", "order-fulfilment", "--action", "send", "--event", "paid",
                   "--correlate", "message.(", "--db", sqlite_url)
    assert bad_cel.exit_code == 2 and "--correlate" in bad_cel.output
    bad_broker = _cli("subscriptions", "add", "p", "--broker", "http://x", "--source", "s",
                      "--definition", "order-fulfilment", "--db", sqlite_url)
    assert bad_broker.exit_code == 2 and "broker" in bad_broker.output
    unpublished = _cli("subscriptions", "add", "p", "--broker", NATS, "--source", "s",
                       "--definition", "nowhere", "--db", sqlite_url)
    assert unpublished.exit_code == 2 and "'nowhere' is not published" in unpublished.output


def test_dead_letters_are_listed_and_replayed_from_the_shell(sqlite_url: str) -> None:
    with Engine(sqlite_url) as engine:
        engine.publish(order_definition())
        sub = subscriptions.Subscription(
            name="payments", broker=NATS, source="order.paid", action="send",
            definition="order-fulfilment", event="paid", correlate="message.order_id")
        engine.writer.submit(lambda conn: subscriptions.add(conn, sub, engine.clock.now()))
        intake.apply(engine.ledger, sub, Message(b'{"order_id": "C-1"}', {}, "PAID:1"))
    listed = json.loads(_cli("deadletters", "list", "--db", sqlite_url, "--json").output)
    assert [d["reason"] for d in listed] == ["unknown-correlation"]
    still = _cli("deadletters", "replay", "--all", "--db", sqlite_url)
    assert still.exit_code == 1 and "dead-lettered" in still.output
    with Engine(sqlite_url) as engine:
        engine.start("order-fulfilment", {"order_id": "C-1"}, business_key="C-1")
    replayed = _cli("deadletters", "replay", listed[0]["id"], "--db", sqlite_url)
    assert replayed.exit_code == 0 and "applied" in replayed.output
    assert _cli("deadletters", "replay", "--db", sqlite_url).exit_code == 2


def test_an_outbox_route_is_added_listed_and_removed(sqlite_url: str) -> None:
    with Engine(sqlite_url) as engine:
        engine.publish(order_definition())
    added = _cli("outbox", "add", "--definition", "order-fulfilment", "--broker", NATS,
                 "--destination", "order.changes", "--events", "transition,cancelled",
                 "--db", sqlite_url, "--json")
    route = json.loads(added.output)
    assert route["event_types"] == ["transition", "cancelled"]
    assert _cli("outbox", "add", "--definition", "order-fulfilment", "--broker", "x",
                "--destination", "d", "--db", sqlite_url).exit_code == 2
    assert _cli("outbox", "remove", route["id"], "--db", sqlite_url).exit_code == 0
