"""Sagas: undo the completed task states of an instance, newest first, with their compensations.

What is left to undo is read from the log each time: every `action_succeeded` of a state with
a `compensation`, minus those a `compensation_done` already names (by the seq of the success).
So a compensation job that dies half-way (SIGKILL) is simply run again by whoever takes its
lease over; `compensation_done` is recorded once, in the transaction that checks the lease, and
schedules the job for the next step. Each step retries with its state's `retry` policy; the last
failed attempt records `compensation_failed` and an `incident`.

A compensation passes its circuit breaker like an action (`breakers.compensation_group`): it
calls the same downstream service as the action it undoes, so hammering that service while it
is down would only burn the step's attempts. An open breaker postpones the job, attempt kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from runtime.core import events as ev
from runtime.core import step as steps
from runtime.execution.actions import NO_TRACE, ActionContext, ActionFailed, ActionRegistry
from runtime.execution.breakers import BreakerBoard, compensation_group, postpone
from runtime.execution.retry import DEFAULT_RETRY, next_attempt_at
from runtime.instances import InstanceAccess
from runtime.store import schema as t

if TYPE_CHECKING:
    from runtime.observability.tracing import Tracing

COMPENSATION_STARTED = "compensation_started"
COMPENSATION_DONE = "compensation_done"
COMPENSATION_FAILED = "compensation_failed"
COMPENSATION_JOB = "compensation"
SYSTEM_ACTOR = "system"


@dataclass(frozen=True)
class Step:
    """One completed task state to undo: `of_seq` is the seq of its `action_succeeded`."""

    of_seq: int
    state: str
    action: str


def pending_steps(definition: Any, log: list[tuple[int, str, dict[str, Any]]]) -> list[Step]:
    """The compensations still to run, in the order to run them (reverse of completion, across
    parallel branches too: a branch's `action_succeeded` names its state)."""
    done = {data["of_seq"] for _, type_, data in log if type_ == COMPENSATION_DONE}
    state: str | None = None
    completed: list[Step] = []
    for seq, type_, data in log:
        if type_ == ev.TRANSITION and not data.get("branch"):
            state = data["to"]
        elif type_ == ev.ACTION_SUCCEEDED and seq not in done and (data.get("state") or state):
            state_id = data.get("state") or state
            spec = definition.state(state_id)
            if spec is not None and getattr(spec, "compensation", None):
                completed.append(Step(seq, state_id, spec.compensation))
    return completed[::-1]


def needs_saga(definition: Any) -> bool:
    return any(getattr(s, "compensation", None) for s in definition.states)


def after_persist(ledger: InstanceAccess, conn: Connection, before: steps.Snapshot,
                  result: steps.StepResult, actor: str | None) -> None:
    """A ledger hook: entering a `failed` end schedules the compensations (the saga)."""
    if result.snapshot.status == "failed" and before.status != "failed" and needs_saga(
            ledger.definition_in(conn, before.definition, before.version)):
        start_saga(ledger, conn, before.id, result.snapshot.seq)


def start_saga(ledger: InstanceAccess, conn: Connection, instance_id: str, after_seq: int) -> None:
    """Schedule the saga of an instance (inside the transaction that failed or rolled it back)."""
    now = ledger.clock.now()
    job_id = f"{instance_id}:saga:{after_seq}"
    ledger.store.flush_jobs(conn)
    if conn.execute(select(t.jobs.c.id).where(t.jobs.c.id == job_id)).first() is None:
        ledger.store.schedule_job(conn, job_id, instance_id, COMPENSATION_JOB, now, {}, now)
        ledger.job_scheduled.set()


def in_progress(conn: Connection, instance_id: str) -> bool:
    """True while a compensation job of the instance is waiting or running."""
    j = t.jobs
    return conn.execute(select(j.c.id).where(
        j.c.instance_id == instance_id, j.c.kind == COMPENSATION_JOB,
        j.c.state.in_((t.JOB_READY, t.JOB_LEASED)))).first() is not None


def run_compensation(ledger: InstanceAccess, actions: ActionRegistry, breakers: BreakerBoard,
                     job: Any, tracing: Tracing | None = None) -> None:
    """Run the next compensation of the instance (a leased job), then record the outcome."""
    target = ledger.writer.submit(lambda conn: _announce(ledger, conn, job), job.instance_id)
    if target is None:
        return
    step_, spec, variables = target
    group = compensation_group(spec)
    reopens_at = breakers.admit(group)
    if reopens_at is not None:  # the breaker is open: no attempt now, none spent
        postpone(ledger, job, reopens_at)
        return
    run = None if tracing is None else tracing.run(job.instance_id, "compensation",
                                                    step_.of_seq, job.attempt)
    ctx = ActionContext(instance_id=job.instance_id, action=step_.action, state=step_.state,
                        attempt=job.attempt, variables=variables,
                        trace_headers=NO_TRACE if run is None else run.headers)
    try:
        actions.run(ctx, spec.timeout_s)
        error, error_type = None, None
    except ActionFailed as exc:
        error, error_type = str(exc), exc.type
    if run is not None:
        run.finished()
    breakers.record(group, error is None)
    ledger.writer.submit(lambda conn: _record(ledger, conn, job, step_, error, error_type),
                         job.instance_id)


def _log(ledger: InstanceAccess, conn: Connection, instance_id: str) -> list[tuple[int, str, dict]]:
    return [(r.seq, r.type, r.data) for r in ledger.store.event_rows(conn, instance_id)]


def _announce(ledger: InstanceAccess, conn: Connection, job: Any) -> tuple[Step, Any, dict] | None:
    """Log `compensation_started` for the next step (once); None when nothing is left."""
    store = ledger.store
    if not store.holds_lease(conn, job.id, ledger.worker_id):
        return None
    row = store.instance_row_locked(conn, job.instance_id)
    before = ledger.unsealed(row)
    definition = ledger.definition_in(conn, before.definition, before.version)
    log = _log(ledger, conn, job.instance_id)
    todo = pending_steps(definition, log)
    if not todo:
        store.finish_job(conn, job.id)
        return None
    step_ = todo[0]
    started = any(type_ == COMPENSATION_STARTED and data.get("of_seq") == step_.of_seq
                  for _, type_, data in log)
    if not started:
        new = [ev.NewEvent(COMPENSATION_STARTED, {
            "state": step_.state, "action": step_.action, "of_seq": step_.of_seq})]
        ledger.persist(conn, before, steps.StepResult(steps.apply_all(before, new), new, []),
                       SYSTEM_ACTOR, row)
    return step_, definition.state(step_.state), before.variables


def _record(ledger: InstanceAccess, conn: Connection, job: Any, step_: Step, error: str | None,
            error_type: str | None) -> None:
    store = ledger.store
    if not store.holds_lease(conn, job.id, ledger.worker_id):
        return  # our lease ran out: whoever took the job over records the outcome
    row = store.instance_row_locked(conn, job.instance_id)
    before = ledger.unsealed(row)
    definition = ledger.definition_in(conn, before.definition, before.version)
    todo = pending_steps(definition, _log(ledger, conn, job.instance_id))
    if not todo or todo[0] != step_:
        store.finish_job(conn, job.id)
        return
    base = {"state": step_.state, "action": step_.action, "of_seq": step_.of_seq,
            "attempt": job.attempt}
    now = ledger.clock.now()
    policy = definition.state(step_.state).retry or DEFAULT_RETRY
    run_at = next_attempt_at(policy, job.attempt, now)
    if error is None:
        new = [ev.NewEvent(COMPENSATION_DONE, base)]
    elif run_at is not None:
        new = [ev.NewEvent(ev.ACTION_FAILED, {**base, "error": error, "error_type": error_type,
                                              "compensation": True,
                                              "retry_at": run_at.isoformat()})]
        store.retry_job(conn, job.id, run_at, error)
    else:
        reason = (f"compensation {step_.action!r} of state {step_.state!r} failed after "
                  f"{job.attempt} attempt(s): {error}")
        new = [ev.NewEvent(COMPENSATION_FAILED, {**base, "error": error,
                                                 "error_type": error_type}),
               ev.NewEvent(ev.INCIDENT, {"reason": reason, "state": before.state})]
    after = steps.apply_all(before, new)
    ledger.persist(conn, before, steps.StepResult(after, new, []), SYSTEM_ACTOR, row)
    if error is None or run_at is None:
        store.finish_job(conn, job.id)
    if error is None and len(todo) > 1:
        start_saga(ledger, conn, job.instance_id, after.seq)


def retry_failed(ledger: InstanceAccess, conn: Connection, instance_id: str) -> bool:
    """Run the saga again after a compensation finally failed; False when none did."""
    log = _log(ledger, conn, instance_id)
    failed = [seq for seq, type_, _ in log if type_ == COMPENSATION_FAILED]
    if not failed:
        return False
    start_saga(ledger, conn, instance_id, log[-1][0] + 1)
    return True
