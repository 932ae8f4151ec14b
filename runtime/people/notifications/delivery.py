"""Delivering the outbox: lease due rows, POST them (or mail them), record the answer.

A row is leased in one transaction (so two workers never post it at the same time), posted
outside any transaction, and marked `delivered` in the transaction that records the 2xx. A
crash between the receiver's 2xx and that commit re-sends the row once the lease runs out:
receivers de-duplicate on the `X-Statewright-Delivery` header (the row id, also a header of
the e-mails), which is the same on every attempt. Failures back off exponentially and survive
restarts (`next_attempt_at`).
Each POST connects only to addresses `targets` allows (no loopback, link-local or private
ones unless configured), checked on the address actually connected to.
When tracing is on, a POST carries the `traceparent` of the span that created its task.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from runtime.core.clock import to_db
from runtime.core.errors import EngineError
from runtime.instances import InstanceAccess
from runtime.people.notifications import smtp, targets
from runtime.people.notifications.tables import DEAD, DELIVERED, PENDING
from runtime.people.notifications.tables import notification_outbox as ob

log = logging.getLogger("statewright.notifications")
DELIVERY_HEADER = "X-Statewright-Delivery"
MAX_ATTEMPTS = 12
FIRST_DELAY_S = 5.0
MAX_DELAY_S = 3600.0
LEASE_S = 60.0
POST_TIMEOUT_S = 10.0
BATCH = 32
TraceHeaders = Callable[[str], Mapping[str, str]]  # task id -> `traceparent`


def retry_delay_s(attempts: int) -> float:
    """The wait after the `attempts`-th failure: 5 s, 10 s, 20 s, ... at most an hour."""
    return min(FIRST_DELAY_S * 2 ** (attempts - 1), MAX_DELAY_S)


def deliver_due(ledger: InstanceAccess, limit: int = BATCH,
                trace_headers: TraceHeaders | None = None) -> int:
    """Post every due outbox row once; returns how many the receivers acknowledged."""
    delivered = 0
    for row in _lease(ledger, limit):
        status, error = (smtp.send(row, DELIVERY_HEADER) if row.format == "email" else
                         _post(row, {} if trace_headers is None else trace_headers(row.task_id)))
        _record(ledger, row, status, error)
        delivered += error is None
    return delivered


def _lease(ledger: InstanceAccess, limit: int) -> list[Any]:
    now = ledger.clock.now()
    until = now + timedelta(seconds=LEASE_S)

    def work(conn: Connection) -> list[Any]:
        free = or_(ob.c.lease_until.is_(None), ob.c.lease_until < to_db(now))
        due = and_(ob.c.status == PENDING, ob.c.next_attempt_at <= to_db(now), free)
        ids = list(conn.execute(select(ob.c.id).where(due).order_by(ob.c.next_attempt_at)
                                .limit(limit)).scalars())
        if not ids:
            return []
        # The condition is repeated in the UPDATE: a concurrent worker that selected the same
        # rows re-checks it after our commit and takes none of them.
        conn.execute(update(ob).where(ob.c.id.in_(ids), due).values(
            leased_by=ledger.worker_id, lease_until=to_db(until)))
        return list(conn.execute(select(ob).where(
            ob.c.id.in_(ids), ob.c.leased_by == ledger.worker_id,
            ob.c.lease_until == to_db(until))))

    return ledger.writer.submit(work)


def _post(row: Any, extra: Mapping[str, str]) -> tuple[int | None, str | None]:
    """POST the row's body; (HTTP status, None) on a 2xx, else (status or None, the problem)."""
    request = urllib.request.Request(
        row.url, data=json.dumps(row.body).encode(), method="POST",
        headers={"Content-Type": "application/json", DELIVERY_HEADER: row.id,
                 "User-Agent": "statewright-notifications", **extra})
    try:
        with targets.open_url(request, timeout=POST_TIMEOUT_S) as answer:
            return answer.status, None
    except urllib.error.HTTPError as exc:
        return exc.code, f"the receiver answered HTTP {exc.code}"
    except EngineError as exc:  # the target (or the allow list) is refused
        return None, exc.message
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"cannot reach {row.url}: {reason}"


def _record(ledger: InstanceAccess, row: Any, status: int | None, error: str | None) -> None:
    now = ledger.clock.now()
    attempts = row.attempts + 1

    def work(conn: Connection) -> None:
        mine = and_(ob.c.id == row.id, ob.c.leased_by == ledger.worker_id,
                    ob.c.status == PENDING)
        values: dict[str, Any] = {"attempts": attempts, "response_status": status,
                                  "leased_by": None, "lease_until": None}
        if error is None:
            values |= {"status": DELIVERED, "delivered_at": to_db(now), "last_error": None}
        elif attempts >= MAX_ATTEMPTS:
            values |= {"status": DEAD, "last_error": error}
        else:
            retry_at = now + timedelta(seconds=retry_delay_s(attempts))
            values |= {"last_error": error, "next_attempt_at": to_db(retry_at)}
        conn.execute(update(ob).where(mine).values(**values))

    ledger.writer.submit(work)
    if error is not None:
        log.warning("notification %s (%s of %s), attempt %d: %s", row.id, row.kind,
                    row.task_id, attempts, error)
