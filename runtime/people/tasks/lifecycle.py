"""Keeping the inbox in step with the instance log, inside the transaction that appends it.

`InstanceAccess.persist` calls `record` with every step it writes: a `task_created` event inserts
the task row (and its notifications), leaving a human state closes its task, a cancelled
instance cancels its open task. So a task exists exactly when its instance waits in a
human state, whatever moved the instance (the inbox, `send`, an operator).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from runtime.core import events as ev
from runtime.core.clock import from_db, to_db
from runtime.core.step import INTERNAL_EVENTS, ROOT, Snapshot, StepResult, job_id
from runtime.instances import InstanceAccess
from runtime.people import notifications
from runtime.people.tasks import metrics
from runtime.people.tasks.model import TASK_CREATED, Task, priority_rank
from runtime.people.tasks.tables import CANCELLED, COMPLETED, OPEN
from runtime.people.tasks.tables import tasks as tt

_RELEVANT = frozenset({TASK_CREATED, ev.TRANSITION, ev.CANCELLED})


def record(ledger: InstanceAccess, conn: Connection, before: Snapshot, result: StepResult,
           actor: str | None) -> None:
    """Create, close or cancel the task rows the step's events imply (following each branch:
    a transition or task event names its branch; without one it is the instance's own)."""
    if not any(e.type in _RELEVANT for e in result.events):
        return
    definition = ledger.definition_in(conn, before.definition, before.version)
    left_from = {ROOT: definition}  # the version each token's state belongs to (`migrated`)
    now = ledger.clock.now()
    at = {ROOT: (before.state, before.entered_seq),
          **{b.id: (b.state, b.entered_seq) for b in before.branches}}
    seq = before.seq
    for event in result.events:
        seq += 1
        token = event.data.get("branch") or ROOT
        if event.type == ev.TRANSITION:
            state, entered = at.get(token, (None, 0))
            left = left_from.get(token, definition).state(state) if state else None
            if left is not None and left.type == "human":
                _close(conn, job_id(before.id, entered), event.data.get("event"), actor, now)
            at[token], left_from[token] = (event.data["to"], seq), definition
        elif event.type == ev.BRANCHES_STARTED:
            at.update({branch: (event.data["fork"], seq) for branch in event.data["branches"]})
        elif event.type == ev.BRANCHES_JOINED:
            at[event.data["parent"]] = (event.data["join"], seq)
        elif event.type == ev.MIGRATED:  # the states entered from here on are the target's
            definition = ledger.definition_in(conn, before.definition, event.data["to_version"])
        elif event.type == TASK_CREATED:
            state, entered = at[token]
            _create(conn, definition, before, definition.state(state), entered, event.data, now)
        elif event.type == ev.CANCELLED:
            conn.execute(update(tt).where(tt.c.instance_id == before.id, tt.c.status == OPEN)
                         .values(status=CANCELLED, completed_at=to_db(now), completed_by=actor))


def _create(conn: Connection, definition: Any, snap: Snapshot, state: Any, entered: int,
            data: dict[str, Any], now: datetime) -> None:
    outcomes = list(dict.fromkeys(t.on for t in definition.outgoing(state.id)
                                  if t.on and t.on not in INTERNAL_EVENTS))
    due = datetime.fromisoformat(data["due_at"]) if data.get("due_at") else None
    values = dict(
        id=data["task_id"], instance_id=snap.id, definition_key=definition.key,
        version=snap.version, state_id=state.id, entered_seq=entered, name=state.label,
        role=data["role"], original_role=data["role"], priority=data["priority"],
        priority_rank=priority_rank(data["priority"]), status=OPEN, overdue=False,
        escalated=False, escalate_to=state.escalate_to, allow_delegation=state.allow_delegation,
        form=[f.model_dump(exclude_none=True) for f in state.form], outcomes=outcomes,
        due_at=to_db(due) if due else None, created_at=to_db(now))
    conn.execute(insert(tt).values(**values))
    metrics.bump(conn, definition.key, state.id, data["role"], "created")
    row = conn.execute(select(tt).where(tt.c.id == data["task_id"])).one()
    notifications.enqueue(conn, "task_created", Task.from_row(row, now).to_json(), now)


def _close(conn: Connection, task_id: str, event: str | None, actor: str | None,
           now: datetime) -> None:
    row = conn.execute(select(tt).where(tt.c.id == task_id, tt.c.status == OPEN)).first()
    if row is None:
        return
    done = event in (row.outcomes or [])
    conn.execute(update(tt).where(tt.c.id == task_id).values(
        status=COMPLETED if done else CANCELLED, completed_at=to_db(now), completed_by=actor,
        outcome=event if done else None))
    if done:
        seconds = (now - from_db(row.created_at)).total_seconds()
        metrics.bump(conn, row.definition_key, row.state_id, row.role, "completed", seconds)
