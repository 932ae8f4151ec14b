"""Human-task metrics kept as they happen: counts and seconds per definition, state and role.

Each change of a task bumps one `task_metrics` row in the transaction that changed the task,
so the numbers always agree with the inbox and cost nothing to read.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, case, insert, select, update

from runtime.people.tasks.tables import task_metrics as m

_COUNTERS = {"created": "created_count", "escalated": "escalated_count",
             "claimed": "claimed_count", "completed": "completed_count"}
_TIMED = {"claimed": "claim_seconds", "completed": "complete_seconds"}


def bump(conn: Connection, definition: str, state: str, role: str, what: str,
         seconds: float | None = None) -> None:
    """Count one `what` (created, claimed, completed, escalated), with its duration if timed."""
    key = (m.c.definition_key == definition, m.c.state_id == state, m.c.role == role)
    counter = _COUNTERS[what]
    values: dict[str, Any] = {counter: m.c[counter] + 1}
    timed = _TIMED.get(what)
    if timed and seconds is not None:
        values[f"{timed}_sum"] = m.c[f"{timed}_sum"] + seconds
        # CASE rather than GREATEST/MAX: one spelling that SQLite and PostgreSQL both accept.
        values[f"{timed}_max"] = case((m.c[f"{timed}_max"] < seconds, seconds),
                                      else_=m.c[f"{timed}_max"])
    if conn.execute(update(m).where(*key).values(**values)).rowcount:
        return
    row = {c: 0 for c in _COUNTERS.values()} | {
        f"{t}_{s}": 0.0 for t in _TIMED.values() for s in ("sum", "max")}
    row[counter] = 1
    if timed and seconds is not None:
        row[f"{timed}_sum"] = row[f"{timed}_max"] = seconds
    conn.execute(insert(m).values(definition_key=definition, state_id=state, role=role, **row))


def read(conn: Connection, definition: str | None = None) -> list[dict[str, Any]]:
    """Every metrics row (of `definition` when given), with averages worked out."""
    query = select(m).order_by(m.c.definition_key, m.c.state_id, m.c.role)
    if definition:
        query = query.where(m.c.definition_key == definition)
    out = []
    for r in conn.execute(query):
        out.append({
            "definition": r.definition_key, "state": r.state_id, "role": r.role,
            "created": r.created_count, "claimed": r.claimed_count,
            "completed": r.completed_count, "escalated": r.escalated_count,
            "claim_seconds_avg": _avg(r.claim_seconds_sum, r.claimed_count),
            "claim_seconds_max": r.claim_seconds_max if r.claimed_count else None,
            "complete_seconds_avg": _avg(r.complete_seconds_sum, r.completed_count),
            "complete_seconds_max": r.complete_seconds_max if r.completed_count else None,
        })
    return out


def _avg(total: float, count: int) -> float | None:
    return round(total / count, 3) if count else None
