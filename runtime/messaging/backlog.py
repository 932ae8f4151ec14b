"""The engine's backlog: jobs due now that no runner has taken yet (back-pressure's gauge)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, select

from runtime.core.clock import to_db
from runtime.store import schema as t
from runtime.store.base import Store


def due_jobs(store: Store, now: datetime) -> int:
    j = t.jobs
    with store.read() as conn:
        return conn.execute(select(func.count()).select_from(j).where(
            and_(j.c.state == t.JOB_READY, j.c.run_at <= to_db(now)))).scalar()
