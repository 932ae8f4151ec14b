"""The messaging kill test: a `statewright consume` process SIGKILLed while messages flow,
restarted, and every message then found applied exactly once.

Messages go to a Redis stream (the broker's entry id is the idempotency key). A killed
consumer leaves messages it read but did not acknowledge pending in the consumer group,
some of them already applied; the restarted one claims them once idle and applies them
again, which the engine's idempotency keys turn into no-ops.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from typing import Any

from runtime.benchmarks.messaging_order import ORDER
from runtime.engine import Engine
from runtime.messaging import deadletters, subscriptions
from runtime.messaging.brokers import open_broker
from runtime.messaging.subscriptions import Subscription

DEFINITION = "bench-order"
WAIT_S = 120.0


def run(db: str, broker: str, messages: int, kills: int = 1) -> dict[str, Any]:
    source = f"kill.orders.{uuid.uuid4().hex[:8]}"
    with Engine(db) as engine:
        engine.publish(ORDER)
        sub = Subscription(name=f"kill-{uuid.uuid4().hex[:6]}", broker=broker, source=source,
                           action="start", definition=DEFINITION,
                           business_key="message.order_id")
        engine.writer.submit(lambda conn: subscriptions.add(conn, sub, engine.clock.now()))
        publisher = threading.Thread(target=asyncio.run, args=(_publish(broker, source,
                                                                        messages),))
        consumer = _spawn(db)
        publisher.start()
        killed_at = []
        for k in range(kills):
            _wait(lambda k=k: _count(engine) >= messages * (k + 1) // (kills + 1))
            consumer.send_signal(signal.SIGKILL)
            consumer.wait()
            killed_at.append(_count(engine))
            consumer = _spawn(db)
        restarted = time.monotonic()
        done = _wait(lambda: _count(engine) >= messages)
        recovered_s = time.monotonic() - restarted
        publisher.join()
        time.sleep(1.5)  # redeliveries still pending would show up as duplicates now
        consumer.send_signal(signal.SIGTERM)
        consumer.wait(30)
        keys = _business_keys(engine)
        with engine.store.read() as conn:
            dead = len(deadletters.letters(conn, subscription=sub.name))
        audit_ok = engine.verify_audit().ok
    distinct = set(keys)
    result = {"messages": messages, "kills": kills, "applied_when_killed": killed_at,
              "instances": len(keys), "duplicates": len(keys) - len(distinct),
              "missing": messages - len(distinct & {f"K-{i}" for i in range(messages)}),
              "dead_letters": dead, "finished": done, "after_last_restart_s":
              round(recovered_s, 2), "audit_ok": audit_ok}
    result["exactly_once"] = (done and result["duplicates"] == 0 and result["missing"] == 0
                              and dead == 0 and audit_ok)
    return result


def _spawn(db: str) -> subprocess.Popen:
    env = {**os.environ, "STATEWRIGHT_REDIS_CLAIM_IDLE_S": "1",
           "STATEWRIGHT_LOG_LEVEL": "WARNING"}
    return subprocess.Popen([sys.executable, "-m", "runtime.cli", "consume", "--db", db],
                            env=env, stdout=subprocess.DEVNULL)


async def _publish(broker_url: str, source: str, messages: int) -> None:
    broker = open_broker(broker_url)
    try:
        for i in range(messages):
            body = json.dumps({"order_id": f"K-{i}", "sent_at": time.time()}).encode()
            await broker.publish(source, body, {}, f"kill-{i}")
            if i % 50 == 49:
                await asyncio.sleep(0.02)  # a steady flow, so kills land mid-stream
    finally:
        await broker.close()


def _wait(check, timeout_s: float = WAIT_S) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def _count(engine: Engine) -> int:
    return engine.list_instances(definition=DEFINITION, limit=1).total


def _business_keys(engine: Engine) -> list[str]:
    keys, offset = [], 0
    while True:
        page = engine.list_instances(definition=DEFINITION, limit=500, offset=offset)
        keys += [i.business_key for i in page.items]
        offset += 500
        if offset >= page.total:
            return keys
