"""The dead-letter table: messages that could not be applied, with the reason, replayable.

A dead letter is written (durably) before its message is acknowledged, so nothing a broker
handed over is lost. A redelivered message that fails again counts an attempt on the same
row (unique per subscription and message key) instead of adding one.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from runtime.core.clock import from_db, to_db
from runtime.core.errors import NotFound
from runtime.instances import InstanceAccess
from runtime.messaging.message import Message
from runtime.messaging.tables import DEAD, REPLAYED
from runtime.messaging.tables import message_dead_letters as dl

MALFORMED = "malformed"
UNKNOWN_CORRELATION = "unknown-correlation"
REFUSED = "refused"


def record(ledger: InstanceAccess, subscription: str, key: str | None, message: Message,
           reason: str, detail: str, letter_id: str | None = None) -> str:
    """Keep the message with why it failed; returns the dead letter's id."""
    body, headers = message.stored_body()
    now = to_db(ledger.clock.now())

    def work(conn: Connection) -> str:
        found = None
        if letter_id is not None:
            found = letter_id
        elif key is not None:
            found = conn.execute(select(dl.c.id).where(
                dl.c.subscription == subscription, dl.c.message_key == key)).scalar()
        if found is not None:
            conn.execute(update(dl).where(dl.c.id == found).values(
                reason=reason, detail=detail, status=DEAD, attempts=dl.c.attempts + 1,
                updated_at=now))
            return found
        new_id = str(uuid.uuid4())
        conn.execute(insert(dl).values(
            id=new_id, subscription=subscription, message_key=key, body=body, headers=headers,
            reason=reason, detail=detail, status=DEAD, attempts=1, created_at=now,
            updated_at=now))
        return new_id

    return ledger.writer.submit(work)


def mark_replayed(ledger: InstanceAccess, letter_id: str) -> None:
    now = to_db(ledger.clock.now())
    ledger.writer.submit(lambda conn: conn.execute(
        update(dl).where(dl.c.id == letter_id).values(status=REPLAYED, updated_at=now)))


def letters(conn: Connection, status: str | None = DEAD, subscription: str | None = None,
            limit: int = 100) -> list[dict[str, Any]]:
    """Dead letters, newest first."""
    query = select(dl).order_by(dl.c.created_at.desc(), dl.c.id).limit(max(1, min(limit, 1000)))
    if status:
        query = query.where(dl.c.status == status)
    if subscription:
        query = query.where(dl.c.subscription == subscription)
    return [_json(r) for r in conn.execute(query)]


def letter(conn: Connection, letter_id: str) -> dict[str, Any]:
    row = conn.execute(select(dl).where(dl.c.id == letter_id)).first()
    if row is None:
        raise NotFound(f"no dead letter {letter_id!r}", {"dead_letter": letter_id})
    return _json(row)


def count(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(dl).where(dl.c.status == DEAD)).scalar()


def _json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "subscription": row.subscription, "message_key": row.message_key,
            "body": row.body, "headers": dict(row.headers), "reason": row.reason,
            "detail": row.detail, "status": row.status, "attempts": row.attempts,
            "created_at": from_db(row.created_at).isoformat(),
            "updated_at": from_db(row.updated_at).isoformat()}
