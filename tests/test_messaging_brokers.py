"""Against the real brokers on this machine: messages published to NATS JetStream, RabbitMQ,
Redis Streams and MQTT start orders exactly once, two consumers share a subscription without
applying anything twice, and the outbox publishes an order's events in order."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator

import pytest
from messaging_fixtures import order_definition

from runtime import Engine
from runtime.messaging import deadletters, outbox, subscriptions
from runtime.messaging.brokers import open_broker
from runtime.messaging.consumer import Consumers
from runtime.messaging.subscriptions import Subscription

BROKERS = {
    "nats": "nats://127.0.0.1:4222",
    "rabbitmq": "amqp://guest:guest@127.0.0.1:5672/",
    "redis": "redis://127.0.0.1:6379/0",
    "mqtt": "mqtt://127.0.0.1:1883",
}


@pytest.fixture(params=list(BROKERS))
def broker_url(request: pytest.FixtureRequest) -> str:
    return BROKERS[request.param]


@pytest.fixture
def orders(sqlite_url: str) -> Iterator[Engine]:
    with Engine(sqlite_url) as engine:
        engine.publish(order_definition())
        yield engine


def _source(broker_url: str) -> str:
    tag = uuid.uuid4().hex[:10]
    return f"orders/placed/{tag}" if broker_url.startswith("mqtt") else f"orders.placed.{tag}"


def _subscribe(engine: Engine, sub: Subscription) -> None:
    engine.writer.submit(lambda conn: subscriptions.add(conn, sub, engine.clock.now()))


async def _publish(url: str, source: str, bodies: list[dict], keys: list[str]) -> None:
    broker = open_broker(url)
    try:
        if url.startswith("mqtt"):  # no retention: a consumer must be subscribed first
            await asyncio.sleep(1.0)
        for body, key in zip(bodies, keys, strict=True):
            await broker.publish(source, json.dumps(body).encode(), {}, key)
    finally:
        await broker.close()


def _wait_for(check, timeout_s: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def _started(engine: Engine) -> int:
    return engine.list_instances(definition="order-fulfilment", limit=1).total


def test_orders_published_twice_start_once_each_with_two_consumers_sharing(
        orders: Engine, broker_url: str) -> None:
    source = _source(broker_url)
    _subscribe(orders, Subscription(
        name="orders-in", broker=broker_url, source=source, action="start",
        definition="order-fulfilment", business_key="message.order_id",
        idempotency="message.order_id"))
    first, second = (Consumers(orders.ledger, outbox=False).start() for _ in range(2))
    try:
        bodies = [{"order_id": f"O-{i}", "amount": i} for i in range(30)]
        keys = [f"k{i}" for i in range(30)]
        # each order is published twice (a producer retrying after a lost confirm)
        asyncio.run(_publish(broker_url, source, bodies + bodies[:10],
                             keys + [f"again{i}" for i in range(10)]))
        assert _wait_for(lambda: first.applied + second.applied >= 40 or
                         (broker_url.startswith("nats") and _started(orders) >= 30))
    finally:
        first.stop()
        second.stop()
    assert _started(orders) == 30
    with orders.store.read() as conn:
        assert deadletters.letters(conn) == []


def test_the_outbox_publishes_an_orders_events_in_order(orders: Engine,
                                                        broker_url: str) -> None:
    destination = _source(broker_url).replace("placed", "changes")
    orders.writer.submit(lambda conn: outbox.add_route(
        conn, "order-fulfilment", ["transition"], broker_url, destination, orders.clock.now()))

    async def scenario() -> list[dict]:
        reader = open_broker(broker_url)
        await reader.subscribe(destination, f"reader-{uuid.uuid4().hex[:6]}")
        consumers = Consumers(orders.ledger).start()
        try:
            iid = await asyncio.to_thread(orders.start, "order-fulfilment", {"order_id": "X"},
                                          business_key="X")
            await asyncio.to_thread(orders.send, iid, "paid", {"paid_by": "ana"})
            got: list[dict] = []
            deadline = time.monotonic() + 20
            while len(got) < 3 and time.monotonic() < deadline:
                for delivery in await reader.fetch(10, 0.5):
                    got.append(json.loads(delivery.message.body))
                    await reader.ack(delivery)
            await asyncio.to_thread(_wait_for, lambda: _statuses(orders) == {"delivered"})
            return got
        finally:
            await asyncio.to_thread(consumers.stop)
            await reader.close()

    got = asyncio.run(scenario())
    assert [(b["seq"], b["type"], b["state"]) for b in got][-1][2] == "paid"
    assert [b["seq"] for b in got] == sorted(b["seq"] for b in got)
    assert len(got) == 3 and {b["type"] for b in got} == {"transition"}
    assert _statuses(orders) == {"delivered"}


def _statuses(engine: Engine) -> set[str]:
    with engine.store.read() as conn:
        return {r["status"] for r in outbox.outbox_rows(conn)}
