"""SLA adherence: per definition, the share of human-state visits (and of whole instances)
that finished within their `sla_s`, from the dashboard aggregates (`runtime.analytics`,
counted the way the dashboards count them), and the tasks that missed their due time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from runtime.analytics import queries
from runtime.compliance.log_reads import documents
from runtime.compliance.model import Scope
from runtime.core.clock import from_db, to_db
from runtime.people.tasks.tables import OPEN
from runtime.people.tasks.tables import tasks as tt

PROCESS = "(whole process)"


def adherence(conn: Connection, scope: Scope) -> list[dict[str, Any]]:
    slas: dict[str, dict[str, float]] = {}
    for (key, _), doc in sorted(documents(conn, scope.definition).items()):
        states = slas.setdefault(key, {})
        if doc.get("sla_s") is not None:
            states[PROCESS] = float(doc["sla_s"])
        for state in doc.get("states", []):
            if state.get("type") == "human" and state.get("sla_s") is not None:
                states[state["id"]] = float(state["sla_s"])
    rows = []
    period = {"since": scope.since, "until": scope.until}
    for key, states in slas.items():
        if not states:
            continue
        breaches = queries.sla_breaches(conn, key, **period)
        left = {r["state"]: r["count"] for r in queries.time_in_state(conn, key, **period)}
        left[PROCESS] = queries.cycle_time(conn, key, **period)["count"]
        for state, sla_s in sorted(states.items()):
            done = left.get(state, 0)
            late = breaches.get(None if state == PROCESS else state, 0)
            if not done and not late:
                continue  # nothing under this SLA finished in the period
            rows.append({"definition": key, "state": state,
                         "sla_s": int(sla_s) if sla_s.is_integer() else sla_s, "finished": done,
                         "breaches": late,
                         "adherence_pct": round(100 * (done - late) / done, 1) if done else None})
    return rows


def late_tasks(conn: Connection, scope: Scope, now: datetime) -> list[dict[str, Any]]:
    """Tasks that fell due in the period (before `now`) and were done late or are still
    open."""
    since, until = to_db(scope.since), to_db(min(scope.until, now))
    query = select(tt).where(tt.c.due_at.is_not(None), tt.c.due_at >= since, tt.c.due_at < until,
                             or_(tt.c.completed_at.is_(None),
                                 and_(tt.c.completed_at.is_not(None),
                                      tt.c.completed_at > tt.c.due_at)))
    if scope.definition:
        query = query.where(tt.c.definition_key == scope.definition)
    rows = []
    for r in conn.execute(query.order_by(tt.c.due_at)):
        if r.completed_at is None and r.status != OPEN:
            continue  # cancelled with its instance: nobody was late
        rows.append({"due_at": from_db(r.due_at), "definition": r.definition_key,
                     "instance": r.instance_id, "state": r.state_id, "role": r.original_role,
                     "done_by": r.completed_by or "", "done_at": from_db(r.completed_at),
                     "status": "late" if r.completed_at else "open, overdue"})
    return rows
