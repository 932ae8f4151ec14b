"""Bulkheads: at most `concurrency` runs of one action at once, over every worker.

A run takes a slot (a row) before calling the handler and frees it after. When all slots are
taken the job goes back to the queue, due at once and without spending an attempt, so it waits
its turn while the runner keeps running other actions. A slot expires with the job's lease.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from runtime.core.clock import to_db
from runtime.instances import InstanceAccess
from runtime.store.resilience import bulkhead_slots as slots


def acquire(ledger: InstanceAccess, job: Any, action: str, limit: int) -> bool:
    """Take a slot of `action` for `job`; False when `limit` runs already hold one."""
    now = ledger.clock.now()
    until = to_db(now + timedelta(seconds=ledger.lease_s))

    def work(conn: Connection) -> bool:
        conn.execute(delete(slots).where(slots.c.action == action, slots.c.until < to_db(now)))
        conn.execute(delete(slots).where(slots.c.job_id == job.id))  # our own earlier run
        taken = conn.execute(select(func.count()).select_from(slots).where(
            slots.c.action == action)).scalar() or 0
        if taken >= limit:
            return False
        conn.execute(insert(slots).values(job_id=job.id, action=action, until=until))
        return True

    return ledger.writer.submit(work)


def release(ledger: InstanceAccess, job: Any) -> None:
    ledger.writer.submit(lambda conn: conn.execute(delete(slots).where(slots.c.job_id == job.id)))


def running(ledger: InstanceAccess, action: str) -> int:
    """How many runs of `action` hold a slot now (for tests and metrics)."""
    with ledger.store.read() as conn:
        return conn.execute(select(func.count()).select_from(slots).where(
            slots.c.action == action, slots.c.until >= to_db(ledger.clock.now()))).scalar() or 0
