"""The transactional outbox: instance events written for publishing in their own transaction.

`OutboxHook` is a `Ledger.after_persist` hook. It knows the routes from a cache that is read
again at most every `REFRESH_S` seconds, so a transition of a definition without a route
costs no statement at all. A route publishes the events of one definition, filtered by
event type, to one broker destination; `publishing.deliver_due` sends the rows after commit.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, delete, insert, select

from runtime.core import step as steps
from runtime.core.clock import Clock, from_db, to_db
from runtime.core.errors import EngineError, NotFound
from runtime.messaging.subscriptions import SCHEMES
from runtime.messaging.tables import PENDING
from runtime.messaging.tables import message_outbox as ob
from runtime.messaging.tables import outbox_routes as rt

REFRESH_S = 2.0


@dataclass(frozen=True)
class Route:
    id: str
    definition: str
    event_types: tuple[str, ...]  # empty: every type
    broker: str
    destination: str

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "definition": self.definition,
                "event_types": list(self.event_types), "broker": self.broker,
                "destination": self.destination}


class OutboxHook:
    """Writes one outbox row per routed event, in the transaction that appends the event."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.routes: dict[str, list[Route]] = {}
        self.loaded_at = float("-inf")

    def __call__(self, conn: Connection, before: steps.Snapshot, result: steps.StepResult,
                 actor: str | None) -> None:
        if time.monotonic() - self.loaded_at > REFRESH_S:
            self.routes = routes_by_definition(conn)
            self.loaded_at = time.monotonic()
        mine = self.routes.get(before.definition)
        if not mine or not result.events:
            return
        after, now = result.snapshot, to_db(self.clock.now())
        rows = []
        for offset, event in enumerate(result.events):
            seq = before.seq + offset + 1
            body = {"instance_id": before.id, "definition": before.definition,
                    "version": after.version, "seq": seq, "type": event.type,
                    "state": after.state, "status": after.status,
                    "business_key": after.business_key, "actor": actor,
                    "at": now.isoformat() + "Z"}
            rows += [{"id": f"{before.id}:{seq}:{r.id}", "instance_id": before.id, "seq": seq,
                      "route_id": r.id, "body": body, "status": PENDING, "attempts": 0,
                      "next_attempt_at": now, "created_at": now}
                     for r in mine if r.wants(event.type)]
        if rows:
            conn.execute(insert(ob), rows)


def routes_by_definition(conn: Connection) -> dict[str, list[Route]]:
    found: dict[str, list[Route]] = defaultdict(list)
    for route in all_routes(conn):
        found[route.definition].append(route)
    return dict(found)


def all_routes(conn: Connection) -> list[Route]:
    return [Route(r.id, r.definition, tuple(r.event_types), r.broker, r.destination)
            for r in conn.execute(select(rt).order_by(rt.c.definition, rt.c.id))]


def add_route(conn: Connection, definition: str, event_types: list[str], broker: str,
              destination: str, now: datetime) -> Route:
    parts = urlsplit(broker)
    if parts.scheme not in SCHEMES or not parts.netloc:
        raise EngineError(f"broker {broker!r} must be a URL with one of the schemes "
                          f"{', '.join(s + '://' for s in SCHEMES)}", {"field": "broker"})
    if not destination.strip():
        raise EngineError("the destination (subject, queue, stream or topic) is empty",
                          {"field": "destination"})
    route = Route(str(uuid.uuid4()), definition, tuple(event_types), broker, destination)
    conn.execute(insert(rt).values(**{**route.to_json(), "event_types": list(event_types)},
                                   created_at=to_db(now)))
    return route


def remove_route(conn: Connection, route_id: str) -> None:
    if not conn.execute(delete(rt).where(rt.c.id == route_id)).rowcount:
        raise NotFound(f"no outbox route {route_id!r}", {"route": route_id})


def outbox_rows(conn: Connection, status: str | None = None, limit: int = 100
                ) -> list[dict[str, Any]]:
    query = select(ob).order_by(ob.c.created_at, ob.c.instance_id, ob.c.seq).limit(limit)
    if status:
        query = query.where(ob.c.status == status)
    return [{"id": r.id, "instance_id": r.instance_id, "seq": r.seq, "route_id": r.route_id,
             "status": r.status, "attempts": r.attempts, "last_error": r.last_error,
             "body": r.body, "next_attempt_at": from_db(r.next_attempt_at).isoformat()}
            for r in conn.execute(query)]
