"""Bulkheads: at most `concurrency` runs of one action at once, over every worker.

A run takes a slot (a row) before calling the handler and frees it after. When all slots are
taken the job goes back to the queue, due at once and without spending an attempt, so it waits
its turn while the runner keeps running other actions. A slot expires with the job's lease.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, func, insert, select

from runtime.clock import to_db
from runtime.store.resilience import bulkhead_slots as slots

if TYPE_CHECKING:
    from runtime.engine import Engine


def acquire(engine: Engine, job: Any, action: str, limit: int) -> bool:
    """Take a slot of `action` for `job`; False when `limit` runs already hold one."""
    now = engine.clock.now()
    until = to_db(now + timedelta(seconds=engine.lease_s))

    def work(conn: Connection) -> bool:
        conn.execute(delete(slots).where(slots.c.action == action, slots.c.until < to_db(now)))
        conn.execute(delete(slots).where(slots.c.job_id == job.id))  # our own earlier run
        taken = conn.execute(select(func.count()).select_from(slots).where(
            slots.c.action == action)).scalar() or 0
        if taken >= limit:
            return False
        conn.execute(insert(slots).values(job_id=job.id, action=action, until=until))
        return True

    return engine.writer.submit(work)


def release(engine: Engine, job: Any) -> None:
    engine.writer.submit(lambda conn: conn.execute(delete(slots).where(slots.c.job_id == job.id)))


def running(engine: Engine, action: str) -> int:
    """How many runs of `action` hold a slot now (for tests and metrics)."""
    with engine.store.read() as conn:
        return conn.execute(select(func.count()).select_from(slots).where(
            slots.c.action == action, slots.c.until >= to_db(engine.clock.now()))).scalar() or 0
