"""Readiness and metric gauges read straight from the engine's database.

The engine has no calls for "is the database there" or "how much work is due", so this thin
adapter asks its store with small counting queries instead of loading rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select, text

from runtime.store import schema

STATUSES = ("running", "suspended", "completed", "failed", "cancelled", "incident")


class DatabaseProbe:
    def __init__(self, engine: Any) -> None:
        self.engine = engine

    def ping(self) -> None:
        """Raises when the database does not answer a trivial query."""
        with self.engine.store.read() as conn:
            conn.execute(text("SELECT 1"))

    def gauges(self) -> Mapping[str, Mapping[tuple[str, ...], float]]:
        """Instances by status, definition keys and due jobs, for `runtime.metrics`."""
        instances = schema.instances
        with self.engine.store.read() as conn:
            by_status = dict(
                conn.execute(
                    select(instances.c.status, func.count()).group_by(instances.c.status)
                ).all()
            )
            definitions = conn.execute(
                select(func.count()).select_from(schema.definitions)
            ).scalar_one()
            due = self.engine.store.count_due_jobs(conn, self.engine.clock.now())
        return {
            "statewright_instances": {(s,): by_status.get(s, 0) for s in STATUSES},
            "statewright_definitions": {(): definitions},
            "statewright_jobs_due": {(): due},
        }
