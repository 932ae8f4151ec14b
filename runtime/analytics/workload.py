"""Human workload for dashboards: claim and completion times by role, open tasks by age.

Times come from the aggregates (`task_claimed`, `task_completed` counters and their
`task_claim`, `task_done` sketches, in the hour the claim or completion happened); open tasks
are read from the inbox (`tasks`, only its open rows, through the `status, role` index),
which is what is waiting now whatever range the dashboard shows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from runtime.analytics import tables as a
from runtime.analytics.queries import histograms_by_subject, in_scope
from runtime.analytics.sketch import percentile
from runtime.core.clock import to_db
from runtime.people.tasks.tables import OPEN
from runtime.people.tasks.tables import tasks as tt

# Upper bounds of the age bands of open tasks, in hours (the last band is open-ended).
AGE_BANDS: tuple[tuple[str, float], ...] = (
    ("< 1h", 1), ("1-8h", 8), ("8-24h", 24), ("1-3d", 72), ("3-7d", 168), ("> 7d", float("inf")))


def task_times(conn: Connection, key: str | None, version: int | None = None, *,
               since: datetime | None = None, until: datetime | None = None
               ) -> list[dict[str, Any]]:
    """Per role: tasks created, claimed, completed, finished late, and p50/p90 of the time
    from creation to first claim and to completion (seconds)."""
    c = a.counts
    rows = conn.execute(select(c.c.target, c.c.kind, func.sum(c.c.count)).where(
        *in_scope(c, key, version, since, until),
        c.c.kind.in_(("task_created", "task_claimed", "task_completed", "sla_breach")),
        c.c.target != "").group_by(c.c.target, c.c.kind))
    per: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for role, kind, n in rows:
        per[role][kind] += int(n)
    claim = histograms_by_subject(conn, "task_claim", key, version, since, until)
    done = histograms_by_subject(conn, "task_done", key, version, since, until)
    return [{"role": role, "created": per[role]["task_created"],
             "claimed": per[role]["task_claimed"], "completed": per[role]["task_completed"],
             "late": per[role]["sla_breach"],
             "claim_p50": percentile(claim.get(role, []), 0.5),
             "claim_p90": percentile(claim.get(role, []), 0.9),
             "done_p50": percentile(done.get(role, []), 0.5),
             "done_p90": percentile(done.get(role, []), 0.9)}
            for role in sorted(per)]


def open_tasks(conn: Connection, key: str | None, version: int | None, now: datetime
               ) -> list[dict[str, Any]]:
    """Per role, the open tasks now: how many, how many overdue, and how many per age band."""
    query = select(tt.c.role, tt.c.created_at, tt.c.overdue, tt.c.due_at).where(
        tt.c.status == OPEN)
    if key is not None:
        query = query.where(tt.c.definition_key == key)
    if version is not None:
        query = query.where(tt.c.version == version)
    moment = to_db(now)
    per: dict[str, dict[str, Any]] = {}
    for role, created_at, overdue, due_at in conn.execute(query):
        row = per.setdefault(role, {"role": role, "open": 0, "overdue": 0,
                                    **{band: 0 for band, _ in AGE_BANDS}})
        row["open"] += 1
        row["overdue"] += bool(overdue or (due_at is not None and due_at <= moment))
        row[_band(moment - created_at)] += 1
    return [per[role] for role in sorted(per)]


def _band(age: timedelta) -> str:
    hours = age.total_seconds() / 3600
    return next(band for band, limit in AGE_BANDS if hours < limit)
