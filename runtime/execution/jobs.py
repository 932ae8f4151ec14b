"""What a job is and how its outcome is recorded: action runs, timers, subprocess starts.

A job is leased (`leased_by`, `lease_until`), run outside any transaction, and completed in
another transaction whose first statement finishes the job only while the lease is still
ours; then it checks the instance is still in the state visit the job belongs to. So a
result is recorded exactly once even when an action ran twice. `drain` runs due jobs
synchronously (`run_until_idle`); `runtime.execution.runner.Runner` runs them in threads.
"""

from __future__ import annotations

import time
from concurrent.futures import Future
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection

from runtime.core import events as ev
from runtime.core import step as steps
from runtime.core.errors import EngineError
from runtime.execution import subprocesses
from runtime.execution.actions import NO_TRACE, ActionContext, ActionFailed, ActionRegistry
from runtime.execution.breakers import BreakerBoard, group_of, postpone
from runtime.execution.bulkheads import acquire, release
from runtime.execution.retry import DEFAULT_RETRY, next_attempt_at
from runtime.execution.saga import COMPENSATION_JOB, run_compensation
from runtime.instances import Ledger
from runtime.instances.ledger import screened_step
from runtime.instances.local_jobs import LocalJob
from runtime.people.tasks import HumanTasks
from runtime.security.sealing import redact

if TYPE_CHECKING:
    from runtime.observability.tracing import Tracing


class JobHost(Protocol):
    """What running jobs needs: the ledger, the registered actions, breakers, the inbox, and
    the tracing (None when off)."""

    ledger: Ledger
    actions: ActionRegistry
    breakers: BreakerBoard
    tasks: HumanTasks
    tracing: Tracing | None


SYSTEM_ACTOR = "system"
LEASE_BATCH = 64


def lease(host: JobHost, limit: int = LEASE_BATCH) -> list[Any]:
    """Claim due jobs for this ledger's worker id."""
    ledger = host.ledger
    now = ledger.clock.now()
    until = now + timedelta(seconds=ledger.lease_s)
    return ledger.writer.submit(
        lambda conn: ledger.store.lease_jobs(conn, ledger.worker_id, now, until, limit))


def run_job(host: JobHost, job: Any) -> Future[None] | None:
    """Run one leased job; returns the future of its recorded outcome (None: nothing to wait
    for). The outcome joins the writer's next group commit; `drain` waits for it."""
    ledger = host.ledger
    if job.kind == "timer":
        return _complete(ledger, job, None, None)
    if job.kind == "subprocess":
        _start_child(ledger, job)
        return None
    if job.kind == COMPENSATION_JOB:
        run_compensation(ledger, host.actions, host.breakers, job, host.tracing)
        return None
    if isinstance(job, LocalJob):  # handed over by the transaction that created it
        variables, definition = job.variables, ledger.definition(job.definition, job.version)
    else:
        with ledger.store.read() as conn:
            row = ledger.store.instance_row(conn, job.instance_id)
        snapshot = None if row is None else ledger.unsealed(row)
        if snapshot is None or not _same_visit(snapshot, job.payload):
            return _complete(ledger, job, None, None)  # stale: the job is done, nothing else
        variables = snapshot.variables
        definition = ledger.definition(snapshot.definition, snapshot.version)
    state = definition.state(job.payload["state"])
    if state.concurrency and not acquire(ledger, job, state.action, state.concurrency):
        postpone(ledger, job, ledger.clock.now())  # the bulkhead is full: back in the queue
        return None
    group = group_of(state)
    reopens_at = host.breakers.admit(group)
    if reopens_at is not None:  # the breaker is open: no attempt now, none spent
        if state.concurrency:
            release(ledger, job)
        postpone(ledger, job, reopens_at)
        return None
    run = None if host.tracing is None else host.tracing.run(
        job.instance_id, "action", job.payload["entered_seq"], job.attempt)
    ctx = ActionContext(instance_id=job.instance_id, action=job.payload["action"],
                        state=state.id, attempt=job.attempt, variables=variables,
                        trace_headers=NO_TRACE if run is None else run.headers)
    try:
        result: dict[str, Any] | None = host.actions.run(ctx, state.timeout_s)
        error = None
    except ActionFailed as exc:
        result, error = None, exc
    if run is not None:
        run.finished()
    if state.concurrency:
        release(ledger, job)
    host.breakers.record(group, error is None)
    return _complete(ledger, job, result, error)


def drain(host: JobHost, timeout_s: float) -> int:
    """Run due jobs until none is left or `timeout_s` passed; returns how many ran."""
    deadline = time.monotonic() + timeout_s
    count = 0
    while time.monotonic() < deadline:
        jobs = lease(host)
        if not jobs:
            break
        for job in jobs:
            done = run_job(host, job)
            if done is not None:
                done.result()
            count += 1
    return count


def _start_child(ledger: Ledger, job: Any) -> None:
    def work(conn: Connection) -> None:
        if ledger.store.holds_lease(conn, job.id, ledger.worker_id):
            subprocesses.start_child(ledger, conn, job)
            ledger.store.finish_job(conn, job.id)

    ledger.writer.submit(work, job.instance_id)


def _same_visit(snap: steps.Snapshot, payload: dict[str, Any]) -> bool:
    return snap.visiting(payload["state"], payload["entered_seq"])


def _complete(ledger: Ledger, job: Any, result: dict[str, Any] | None,
              error: ActionFailed | None) -> Future[None]:
    def work(conn: Connection) -> None:
        store = ledger.store
        if not store.finish_leased(conn, job.id, ledger.worker_id):
            return  # our lease ran out and another worker took the job over
        row = store.instance_row_locked(conn, job.instance_id)
        before = ledger.unsealed(row)
        if not _same_visit(before, job.payload):
            return  # the instance moved on: the job is done, nothing else changes
        outcome = _outcome(ledger, conn, before, job, result, error)
        finished = steps.CancelJob(job.id)  # done already: no second UPDATE for it
        ledger.persist(conn, before, steps.StepResult(
            outcome.snapshot, outcome.events, [e for e in outcome.effects if e != finished]),
            SYSTEM_ACTOR, row)

    return ledger.writer.submit_async(work, job.instance_id, (job.id, ledger.worker_id))


def _outcome(ledger: Ledger, conn: Connection, before: steps.Snapshot, job: Any,
             result: dict[str, Any] | None, error: ActionFailed | None) -> steps.StepResult:
    """The events of a finished job (timer fired, action succeeded or failed); a failure with
    attempts left puts the job back to run again."""
    definition = ledger.definition_in(conn, before.definition, before.version)
    now = ledger.clock.now()
    payload = job.payload
    visit = payload["entered_seq"]
    # in a branch, the events say whose visit they are (saga and dashboards follow branches)
    branch = {} if not before.branches else {
        "branch": before.token_at(visit), "state": payload["state"]}
    if job.kind == "timer":
        prefix = [ev.NewEvent(ev.TIMER_FIRED, {"event": payload["event"], **branch})]
        deliver = steps.Deliver(payload["event"], {}, internal=True, visit=visit)
    elif error is None:
        prefix = [ev.NewEvent(ev.ACTION_SUCCEEDED, {"action": payload["action"],
                                                    "attempt": job.attempt, **branch})]
        deliver = steps.Deliver(steps.DONE, result or {}, internal=True, visit=visit)
    else:
        policy = definition.state(payload["state"]).retry or DEFAULT_RETRY
        text = redact(str(error), before.variables, ledger.sensitive(definition))
        failed = {"action": payload["action"], "attempt": job.attempt, "error": text,
                  "error_type": error.type, **branch}
        run_at = next_attempt_at(policy, job.attempt, now)
        if run_at is not None:
            event = ev.NewEvent(ev.ACTION_FAILED, {**failed, "retry_at": run_at.isoformat()})
            ledger.store.retry_job(conn, job.id, run_at, text)
            return steps.StepResult(steps.apply_all(before, [event]), [event], [])
        prefix = [ev.NewEvent(ev.ACTION_FAILED, {**failed, "final": True})]
        deliver = steps.Deliver(steps.ERROR, {"error": text}, internal=True, visit=visit)
    middle = steps.apply_all(before, prefix)
    try:
        # an action's result is scanned like any value entering the instance; `block` makes
        # it an incident naming variable and kind, and none of the result is stored
        result_ = (screened_step(definition, middle, steps.DONE, deliver.payload, "action",
                                 now, internal=True, visit=visit) if deliver.event == steps.DONE
                   else steps.step(definition, middle, deliver, now))
    except EngineError as exc:
        reason = redact(exc.message, before.variables, ledger.sensitive(definition))
        incident = ev.NewEvent(ev.INCIDENT, {"reason": reason, "state": payload["state"],
                                             **branch})
        return steps.StepResult(steps.apply_all(middle, [incident]), [*prefix, incident], [])
    return steps.StepResult(result_.snapshot, [*prefix, *result_.events], result_.effects)
