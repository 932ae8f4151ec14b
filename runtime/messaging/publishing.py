"""Delivering the outbox after commit: in order per instance, with retries and a dead end.

Rows are leased in one transaction (two deliverers never send the same row at once), the
leading pending rows of each instance in `seq` order, stopping at the first that is not due
or leased elsewhere, so an instance's events leave in the order they happened. A row is
marked delivered after the broker confirmed it; a crash in between sends it again, with the
same key (`Nats-Msg-Id`, `message_id`, Kafka key...) for receivers to drop. A failing row
backs off and blocks the rows after it; after `MAX_ATTEMPTS` it is `dead` and they go on.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from runtime.core.clock import to_db
from runtime.instances import InstanceAccess
from runtime.messaging.brokers import Broker, open_broker
from runtime.messaging.outbox import all_routes
from runtime.messaging.tables import DEAD, DELIVERED, PENDING
from runtime.messaging.tables import message_outbox as ob

log = logging.getLogger("statewright.messaging")
MAX_ATTEMPTS = 10
FIRST_DELAY_S = 1.0
MAX_DELAY_S = 300.0
LEASE_S = 60.0
BATCH = 500


class Publisher:
    """Delivers due outbox rows through one connected adapter per broker URL."""

    def __init__(self, ledger: InstanceAccess) -> None:
        self.ledger = ledger
        self.brokers: dict[str, Broker] = {}

    async def deliver_due(self, limit: int = BATCH) -> int:
        rows = await asyncio.to_thread(_lease, self.ledger, limit)
        if not rows:
            return 0
        routes = await asyncio.to_thread(self._routes)
        by_instance: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            by_instance[row.instance_id].append(row)
        done: list[str] = []
        failed: list[tuple[Any, str]] = []
        released: list[str] = []
        for instance_rows in by_instance.values():
            for index, row in enumerate(instance_rows):
                route = routes.get(row.route_id)
                error = await self._send(route, row)
                if error is None:
                    done.append(row.id)
                    continue
                failed.append((row, error))
                released += [r.id for r in instance_rows[index + 1:]]
                break
        await asyncio.to_thread(_record, self.ledger, done, failed, released)
        return len(done)

    def _routes(self) -> dict[str, Any]:
        with self.ledger.store.read() as conn:
            return {r.id: r for r in all_routes(conn)}

    async def _send(self, route: Any, row: Any) -> str | None:
        if route is None:
            return "the route was removed"
        try:
            broker = self.brokers.get(route.broker)
            if broker is None:
                broker = self.brokers[route.broker] = open_broker(route.broker)
            await broker.publish(route.destination, json.dumps(row.body).encode(),
                                 {"statewright-event": row.body["type"]}, row.id)
        except Exception as exc:
            log.warning("outbox row %s to %s failed: %s", row.id, route.broker, exc)
            self.brokers.pop(route.broker, None)
            return f"{type(exc).__name__}: {exc}"
        return None

    async def close(self) -> None:
        for broker in self.brokers.values():
            await broker.close()
        self.brokers.clear()


def retry_delay_s(attempts: int) -> float:
    """1 s, 2 s, 4 s ... at most five minutes."""
    return min(FIRST_DELAY_S * 2 ** (attempts - 1), MAX_DELAY_S)


def _lease(ledger: InstanceAccess, limit: int) -> list[Any]:
    now = ledger.clock.now()
    at, until = to_db(now), to_db(now + timedelta(seconds=LEASE_S))

    def work(conn: Connection) -> list[Any]:
        pending = conn.execute(select(ob).where(ob.c.status == PENDING)
                               .order_by(ob.c.instance_id, ob.c.seq, ob.c.route_id)
                               .limit(limit)).all()
        chosen, blocked = [], set()
        for row in pending:
            if row.instance_id in blocked:
                continue
            if row.next_attempt_at > at or (row.lease_until is not None and row.lease_until >= at):
                blocked.add(row.instance_id)
                continue
            chosen.append(row)
        if not chosen:
            return []
        free = or_(ob.c.lease_until.is_(None), ob.c.lease_until < at)
        taken = set(conn.execute(update(ob).where(and_(ob.c.id.in_([r.id for r in chosen]), free))
                                 .values(lease_until=until).returning(ob.c.id)).scalars())
        kept, lost = [], set()  # another deliverer took a row first: stop that instance there
        for row in chosen:
            if row.instance_id in lost or row.id not in taken:
                lost.add(row.instance_id)
            else:
                kept.append(row)
        extra = list(taken - {r.id for r in kept})
        if extra:
            conn.execute(update(ob).where(ob.c.id.in_(extra)).values(lease_until=None))
        return kept

    return ledger.writer.submit(work)


def _record(ledger: InstanceAccess, done: list[str], failed: list[tuple[Any, str]],
            released: list[str]) -> None:
    now = ledger.clock.now()

    def work(conn: Connection) -> None:
        if done:
            conn.execute(update(ob).where(ob.c.id.in_(done))
                         .values(status=DELIVERED, lease_until=None, last_error=None))
        if released:
            conn.execute(update(ob).where(ob.c.id.in_(released)).values(lease_until=None))
        for row, error in failed:
            attempts = row.attempts + 1
            conn.execute(update(ob).where(ob.c.id == row.id).values(
                attempts=attempts, last_error=error[:2000], lease_until=None,
                status=DEAD if attempts >= MAX_ATTEMPTS else PENDING,
                next_attempt_at=to_db(now + timedelta(seconds=retry_delay_s(attempts)))))

    ledger.writer.submit(work)
