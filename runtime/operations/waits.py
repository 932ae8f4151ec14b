"""What a live instance waits for, one `Wait` per thing that must happen before it moves on.

An event (and the roles that may send it), a human task (and who holds it), a timer (and
when it fires), an action job (and its attempts), an open circuit breaker, a full bulkhead,
a child instance, or an operator (a suspended instance or one in incident). Read from the
instance's state type, its open jobs and task, and the breaker and bulkhead tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from runtime.core import step as steps
from runtime.core.views import Instance
from runtime.execution import bulkheads
from runtime.execution.breakers import CLOSED, BreakerBoard, group_of
from runtime.execution.retry import DEFAULT_RETRY
from runtime.instances import InstanceAccess
from runtime.operations.queries import PendingJob, children, pending_jobs
from runtime.people.tasks.model import Task
from runtime.people.tasks.tables import OPEN
from runtime.people.tasks.tables import tasks as task_rows
from runtime.security.identity.permissions import ROLE_PERMISSIONS

EVENT, TASK, TIMER, JOB, BREAKER, BULKHEAD, CHILD, OPERATOR = (
    "event", "task", "timer", "job", "breaker", "bulkhead", "child", "operator")


@dataclass(frozen=True)
class Wait:
    """One thing the instance waits for: `kind`, a sentence for people, the facts behind it."""

    kind: str
    summary: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "summary": self.summary, "details": _jsonable(self.details)}


def roles_that_may(permission: str) -> list[str]:
    """The built-in roles granting `permission` (who may send an event, operate...)."""
    return sorted(role for role, granted in ROLE_PERMISSIONS.items() if permission in granted)


def waits_of(ledger: InstanceAccess, inst: Instance, visits: list[tuple[str, int]],
             breakers: BreakerBoard) -> list[Wait]:
    """Everything `inst` waits for now, in each of its `visits` ((state, entered_seq): one,
    or one per parallel branch); empty when it has finished."""
    if inst.status == "suspended":
        return [Wait(OPERATOR, "an operator to resume it (it was suspended)",
                     {"operations": ["resume", "cancel"],
                      "roles": roles_that_may("instances.operate")})]
    if inst.status == "incident":
        return [Wait(OPERATOR, "an operator to retry, move or cancel it (it is in incident)",
                     {"operations": ["retry", "move", "cancel", "set-vars"],
                      "roles": roles_that_may("instances.operate")})]
    if inst.status != "running" or not visits:
        return []
    with ledger.store.read() as conn:
        definition = ledger.definition_in(conn, inst.definition, inst.version)
    jobs = pending_jobs(ledger, inst.id)
    found: list[Wait] = []
    for state_id, entered_seq in visits:
        state = definition.state(state_id)
        if state is not None:
            mine = [j for j in jobs if j.payload.get("entered_seq", entered_seq) == entered_seq]
            found += _visit_waits(ledger, inst, definition, state, entered_seq, mine, breakers)
    if any(getattr(definition.state(s), "type", None) == "human" for s, _ in visits):
        found[:0] = _task_waits(ledger, inst)
    return found


def _visit_waits(ledger: InstanceAccess, inst: Instance, definition: Any, state: Any,
                 entered_seq: int, jobs: list[PendingJob], breakers: BreakerBoard) -> list[Wait]:
    found = [w for job in jobs for w in _job_wait(ledger, job, state, breakers)]
    if state.type == "wait":
        snapshot = steps.Snapshot(id=inst.id, definition=inst.definition, version=inst.version,
                                  state=state.id, status=inst.status)
        events = steps.accepted_events(definition, snapshot)
        senders = roles_that_may("instances.send")
        found.insert(0, Wait(EVENT, f"event {' or '.join(events) or '(none declared)'}, sent by "
                             f"a caller with role {' or '.join(senders)} (or the API)",
                             {"events": events, "roles": senders,
                              "correlate": getattr(state, "correlate", None)}))
    elif state.type == "subprocess":
        child_id = steps.child_instance_id(inst.id, entered_seq)
        kid = next((k for k in children(ledger, inst.id) if k.id == child_id), None)
        if kid is not None:
            found.append(Wait(CHILD, f"child instance {kid.id[:8]} of {kid.definition} "
                              f"v{kid.version} to end (it is {kid.status} in {kid.state})",
                              {"id": kid.id, "definition": kid.definition,
                               "version": kid.version, "state": kid.state,
                               "status": kid.status}))
    return found


def _job_wait(ledger: InstanceAccess, job: PendingJob, state: Any,
              breakers: BreakerBoard) -> list[Wait]:
    due = job.run_at
    if job.kind == "timer":
        return [Wait(TIMER, f"timer {job.payload.get('event')!r} due {_at(due)}",
                     {"event": job.payload.get("event"), "due_at": due})]
    if job.kind == "subprocess":
        return [Wait(JOB, f"the start of subprocess {job.payload.get('definition')!r}, "
                          f"due {_at(due)}", {"job": job.id, "due_at": due})]
    if job.kind != "action" or state.type != "task":
        return [Wait(JOB, f"{job.kind} job due {_at(due)}", {"job": job.id, "due_at": due})]
    policy = state.retry or DEFAULT_RETRY
    attempts = f"attempt {job.attempt + 1} of {policy.max_attempts}"
    found = [Wait(JOB, f"action {state.action!r}, {attempts}, {job.state}, due {_at(due)}",
                  {"job": job.id, "action": state.action, "state": job.state,
                   "attempt": job.attempt + 1, "max_attempts": policy.max_attempts,
                   "due_at": due, "last_error": job.last_error})]
    breaker = breakers.state(group_of(state))
    if breaker.state != CLOSED:
        found.append(Wait(BREAKER, f"circuit breaker {breaker.name!r} is {breaker.state} after "
                          f"{breaker.failures} failure(s); next trial {_at(breaker.open_until)}",
                          breaker.to_json()))
    if state.concurrency:
        running = bulkheads.running(ledger, state.action)
        if running >= state.concurrency:
            found.append(Wait(BULKHEAD, f"bulkhead of {state.action!r} is full: {running} of "
                              f"{state.concurrency} runs hold a slot",
                              {"action": state.action, "running": running,
                               "limit": state.concurrency}))
    return found


def _task_waits(ledger: InstanceAccess, inst: Instance) -> list[Wait]:
    now = ledger.clock.now()
    with ledger.store.read() as conn:
        rows = conn.execute(select(task_rows).where(task_rows.c.instance_id == inst.id,
                                                    task_rows.c.status == OPEN)).all()
    found = []
    for task in (Task.from_row(row, now) for row in rows):
        holder = (f"claimed by {task.assignee}" if task.assignee
                  else f"unclaimed in the queue of role {task.role}")
        late = " (overdue)" if task.overdue else ""
        found.append(Wait(TASK, f"task {task.name!r}, {holder}; due {_at(task.due_at)}{late}; "
                          f"outcomes {', '.join(task.outcomes) or '—'}",
                          {"id": task.id, "name": task.name, "role": task.role,
                           "assignee": task.assignee, "state": task.state,
                           "due_at": task.due_at, "overdue": task.overdue,
                           "outcomes": task.outcomes, "priority": task.priority}))
    return found


def _at(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC" if moment else "—"


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value
