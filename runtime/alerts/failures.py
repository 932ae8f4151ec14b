"""Counting failed action attempts per definition and minute, as the events are written.

A store event hook (the engine registers it next to the dashboard aggregates): it runs in
the transaction that appends `action_failed` events, in whichever process appends them, so
the count is complete and never counts a rolled-back attempt. Batches without a failure
cost one scan of their event types.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from runtime.alerts.tables import alert_failure_totals, alert_failures
from runtime.core import events as ev
from runtime.core.clock import to_db
from runtime.store import schema as t

KEPT = timedelta(days=32)  # longer than any error-rate rule's window plus baseline


def count_failures(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Add this batch's failed attempts to the per-minute counts and the running totals."""
    failed = [r for r in rows if r["type"] == ev.ACTION_FAILED]
    if not failed:
        return
    ids = sorted({r["instance_id"] for r in failed})
    keys = dict(conn.execute(select(t.instances.c.id, t.instances.c.definition_key)
                             .where(t.instances.c.id.in_(ids))).all())
    per_minute: Counter[tuple[str, datetime]] = Counter()
    for row in failed:
        key = keys.get(row["instance_id"])
        if key is not None:
            per_minute[(key, minute_of(row["at"]))] += 1
    totals: Counter[str] = Counter()
    for (key, minute), n in sorted(per_minute.items()):
        _add(conn, alert_failures, {"definition_key": key, "minute": minute}, n)
        totals[key] += n
    for key, n in sorted(totals.items()):
        _add(conn, alert_failure_totals, {"definition_key": key}, n)


def prune(conn: Connection, now: datetime) -> None:
    conn.execute(delete(alert_failures).where(alert_failures.c.minute < to_db(now - KEPT)))


def minute_of(moment: datetime) -> datetime:
    return to_db(moment).replace(second=0, microsecond=0)


def _add(conn: Connection, table: Any, key: dict[str, Any], n: int) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**key, count=n)
    conn.execute(statement.on_conflict_do_update(
        index_elements=list(key), set_={"count": table.c.count + statement.excluded.count}))
