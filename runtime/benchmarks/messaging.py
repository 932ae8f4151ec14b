"""`statewright bench --suite messaging`: messages/s end to end, per broker.

For each broker on this machine: a start subscription, `messages` order messages published
while an in-process consumer applies them, each start a durable transition before its
acknowledgement. Throughput is messages over the time from the first publish to the last
commit; latency per message is its commit time minus its publish time (both wall clock
UTC). Then the kill test (`messaging_kill.run`). A broker that is not reachable is reported
as such, not measured.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from typing import Any

from runtime.benchmarks import messaging_kill
from runtime.benchmarks.messaging_order import ORDER
from runtime.engine import Engine
from runtime.messaging import subscriptions
from runtime.messaging.brokers import open_broker
from runtime.messaging.consumer import Consumers
from runtime.messaging.subscriptions import Subscription

MQTT_WINDOW = 500
BROKERS = {
    "nats": "nats://127.0.0.1:4222",
    "rabbitmq": "amqp://guest:guest@127.0.0.1:5672/",
    "redis": "redis://127.0.0.1:6379/0",
    "mqtt": "mqtt://127.0.0.1:1883",
}
def run(url: str | None, messages: int, kill_messages: int = 2000) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, broker in BROKERS.items():
            db = url or f"sqlite:///{Path(folder) / f'{name}.db'}"
            try:
                results[name] = _one(db, broker, messages)
            except Exception as exc:
                results[name] = {"unavailable": f"{type(exc).__name__}: {exc}"}
        kill_db = url or f"sqlite:///{Path(folder) / 'kill.db'}"
        results["kill"] = messaging_kill.run(kill_db, BROKERS["redis"], kill_messages, kills=2)
    return results


def _one(db: str, broker: str, messages: int) -> dict[str, Any]:
    source = f"bench.orders.{uuid.uuid4().hex[:8]}"
    if broker.startswith("mqtt"):
        source = source.replace(".", "/")
    with Engine(db) as engine:
        engine.publish(ORDER)
        sub = Subscription(name=f"bench-{uuid.uuid4().hex[:6]}", broker=broker, source=source,
                           action="start", definition="bench-order",
                           idempotency="header:key" if broker.startswith("mqtt") else None)
        engine.writer.submit(lambda conn: subscriptions.add(conn, sub, engine.clock.now()))
        consumers = Consumers(engine.ledger, outbox=False).start()
        try:
            time.sleep(1.0)  # the consumer is subscribed (MQTT keeps nothing for latecomers)
            started = time.time()
            # Mosquitto drops QoS 1 messages beyond a subscriber's queue (1000 by default):
            # an MQTT producer here keeps at most MQTT_WINDOW messages ahead of the consumer
            window = MQTT_WINDOW if broker.startswith("mqtt") else None
            asyncio.run(_publish(broker, source, messages, window, lambda: _count(engine)))
            published = time.time()
            deadline = published + 120
            while _count(engine) < messages and time.time() < deadline:
                time.sleep(0.05)
        finally:
            consumers.stop()
        latencies, last = _latencies(engine)
    if len(latencies) < messages:
        return {"unavailable": f"only {len(latencies)} of {messages} applied in time"}
    latencies.sort()
    return {"messages": messages, "messages_per_s": round(messages / (last - started), 1),
            "publish_s": round(published - started, 2),
            "p50_ms": _pct(latencies, 0.50), "p95_ms": _pct(latencies, 0.95),
            "p99_ms": _pct(latencies, 0.99), "max_ms": round(latencies[-1] * 1000, 1)}


async def _publish(broker_url: str, source: str, messages: int, window: int | None,
                   applied: Callable[[], int]) -> None:
    broker = open_broker(broker_url)
    try:
        for i in range(messages):
            while window and i % 100 == 0 and i - await asyncio.to_thread(applied) > window:
                await asyncio.sleep(0.05)
            body = json.dumps({"order_id": f"B-{i}", "sent_at": time.time()}).encode()
            await broker.publish(source, body, {}, f"bench-{i}")
    finally:
        await broker.close()


def _count(engine: Engine) -> int:
    return engine.list_instances(definition="bench-order", limit=1).total


def _latencies(engine: Engine) -> tuple[list[float], float]:
    out, last, offset = [], 0.0, 0
    while True:
        page = engine.list_instances(definition="bench-order", limit=500, offset=offset)
        for inst in page.items:
            committed = inst.created_at.replace(tzinfo=UTC).timestamp() \
                if inst.created_at.tzinfo is None else inst.created_at.timestamp()
            out.append(committed - float(inst.variables["sent_at"]))
            last = max(last, committed)
        offset += 500
        if offset >= page.total:
            return out, last


def _pct(sorted_values: list[float], q: float) -> float:
    index = min(len(sorted_values) - 1, int(q * len(sorted_values)))
    return round(sorted_values[index] * 1000, 1)



