"""Executing due jobs: action runs and timers, leased so a crashed worker's work comes back.

A job is leased (`leased_by`, `lease_until`) in one transaction, run outside any
transaction, and completed in another that first checks the lease is still ours and that
the instance is still in the state visit the job belongs to; so a result is recorded exactly
once even when an action ran twice. `drain` runs this synchronously (`run_until_idle`);
`Runner` runs it in a background thread for `serve` and `worker`.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import Connection

from runtime.core import events as ev
from runtime.core import step as steps
from runtime.core.errors import EngineError
from runtime.execution import subprocesses
from runtime.execution.actions import ActionContext, ActionFailed, ActionRegistry
from runtime.execution.breakers import BreakerBoard, group_of, postpone
from runtime.execution.bulkheads import acquire, release
from runtime.execution.retry import DEFAULT_RETRY, next_attempt_at
from runtime.execution.saga import COMPENSATION_JOB, run_compensation
from runtime.instances import Ledger
from runtime.people.tasks import HumanTasks
from runtime.people.tasks.housekeeping import Housekeeping

log = logging.getLogger("statewright.runner")


class JobHost(Protocol):
    """What running jobs needs: the ledger, the registered actions, breakers and the inbox."""

    ledger: Ledger
    actions: ActionRegistry
    breakers: BreakerBoard
    tasks: HumanTasks

SYSTEM_ACTOR = "system"
LEASE_BATCH = 64


def lease(host: JobHost, limit: int = LEASE_BATCH) -> list[Any]:
    """Claim due jobs for this ledger's worker id."""
    ledger = host.ledger
    now = ledger.clock.now()
    until = now + timedelta(seconds=ledger.lease_s)
    return ledger.writer.submit(
        lambda conn: ledger.store.lease_jobs(conn, ledger.worker_id, now, until, limit))


def run_job(host: JobHost, job: Any) -> None:
    """Run one leased job and record its outcome."""
    ledger = host.ledger
    if job.kind == "timer":
        _complete(ledger, job, None, None)
        return
    if job.kind == "subprocess":
        _start_child(ledger, job)
        return
    if job.kind == COMPENSATION_JOB:
        run_compensation(ledger, host.actions, host.breakers, job)
        return
    with ledger.store.read() as conn:
        row = ledger.store.instance_row(conn, job.instance_id)
    if row is None or not _same_visit(ledger.unsealed(row), job.payload):
        _complete(ledger, job, None, None)  # stale: marks the job done, changes nothing else
        return
    definition = ledger.definition(row.definition_key, row.version)
    state = definition.state(job.payload["state"])
    if state.concurrency and not acquire(ledger, job, state.action, state.concurrency):
        postpone(ledger, job, ledger.clock.now())  # the bulkhead is full: back in the queue
        return
    group = group_of(state)
    reopens_at = host.breakers.admit(group)
    if reopens_at is not None:  # the breaker is open: no attempt now, none spent
        if state.concurrency:
            release(ledger, job)
        postpone(ledger, job, reopens_at)
        return
    ctx = ActionContext(instance_id=row.id, action=job.payload["action"], state=state.id,
                        attempt=job.attempt, variables=ledger.unsealed(row).variables)
    try:
        result: dict[str, Any] | None = host.actions.run(ctx, state.timeout_s)
        error = None
    except ActionFailed as exc:
        result, error = None, exc
    if state.concurrency:
        release(ledger, job)
    host.breakers.record(group, error is None)
    _complete(ledger, job, result, error)


def drain(host: JobHost, timeout_s: float) -> int:
    """Run due jobs until none is left or `timeout_s` passed; returns how many ran."""
    deadline = time.monotonic() + timeout_s
    count = 0
    while time.monotonic() < deadline:
        jobs = lease(host)
        if not jobs:
            break
        for job in jobs:
            run_job(host, job)
            count += 1
    return count


def _start_child(ledger: Ledger, job: Any) -> None:
    def work(conn: Connection) -> None:
        if ledger.store.holds_lease(conn, job.id, ledger.worker_id):
            subprocesses.start_child(ledger, conn, job)
            ledger.store.finish_job(conn, job.id)

    ledger.writer.submit(work, job.instance_id)


def _same_visit(snap: steps.Snapshot, payload: dict[str, Any]) -> bool:
    return (snap.status == "running" and snap.state == payload["state"]
            and snap.entered_seq == payload["entered_seq"])


def _complete(ledger: Ledger, job: Any, result: dict[str, Any] | None,
              error: ActionFailed | None) -> None:
    def work(conn: Connection) -> None:
        store = ledger.store
        if not store.holds_lease(conn, job.id, ledger.worker_id):
            return  # our lease ran out and another worker took the job over
        row = store.instance_row_locked(conn, job.instance_id)
        before = ledger.unsealed(row)
        if not _same_visit(before, job.payload):
            store.finish_job(conn, job.id)
            return
        outcome, retrying = _outcome(ledger, conn, before, job, result, error)
        ledger.persist(conn, before, outcome, SYSTEM_ACTOR, row)
        if not retrying:
            store.finish_job(conn, job.id)

    ledger.writer.submit(work, job.instance_id)


def _outcome(ledger: Ledger, conn: Connection, before: steps.Snapshot, job: Any,
             result: dict[str, Any] | None, error: ActionFailed | None
             ) -> tuple[steps.StepResult, bool]:
    """The events of a finished job (timer fired, action succeeded or failed); True to retry."""
    definition = ledger.definition_in(conn, before.definition, before.version)
    now = ledger.clock.now()
    payload = job.payload
    if job.kind == "timer":
        prefix = [ev.NewEvent(ev.TIMER_FIRED, {"event": payload["event"]})]
        deliver = steps.Deliver(payload["event"], {}, internal=True)
    elif error is None:
        prefix = [ev.NewEvent(ev.ACTION_SUCCEEDED, {"action": payload["action"],
                                                    "attempt": job.attempt})]
        deliver = steps.Deliver(steps.DONE, result or {}, internal=True)
    else:
        policy = definition.state(payload["state"]).retry or DEFAULT_RETRY
        failed = {"action": payload["action"], "attempt": job.attempt, "error": str(error),
                  "error_type": error.type}
        run_at = next_attempt_at(policy, job.attempt, now)
        if run_at is not None:
            event = ev.NewEvent(ev.ACTION_FAILED, {**failed, "retry_at": run_at.isoformat()})
            ledger.store.retry_job(conn, job.id, run_at, str(error))
            return steps.StepResult(steps.apply_all(before, [event]), [event], []), True
        prefix = [ev.NewEvent(ev.ACTION_FAILED, {**failed, "final": True})]
        deliver = steps.Deliver(steps.ERROR, {"error": str(error)}, internal=True)
    middle = steps.apply_all(before, prefix)
    try:
        result_ = steps.step(definition, middle, deliver, now)
    except EngineError as exc:
        incident = ev.NewEvent(ev.INCIDENT, {"reason": exc.message, "state": before.state})
        return steps.StepResult(steps.apply_all(middle, [incident]), [*prefix, incident], []), False
    return steps.StepResult(result_.snapshot, [*prefix, *result_.events], result_.effects), False


class Runner:
    """Runs due jobs in a background thread until `stop`; several runners may share a database."""

    def __init__(self, engine: JobHost, poll_s: float = 1.0, threads: int = 4) -> None:
        self.engine = engine
        self.poll_s = poll_s
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="job")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._housekeeping = Housekeeping(engine)  # task SLA sweep, notification delivery

    def start(self) -> Runner:
        if self._thread is None:
            self._stop.clear()
            self.engine.ledger.store.listen_for_jobs(self.engine.ledger.job_scheduled)
            self._thread = threading.Thread(target=self._loop, name="statewright-runner",
                                            daemon=True)
            self._thread.start()
            self._housekeeping.start()
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        self._housekeeping.stop(timeout_s)
        self._stop.set()
        self.engine.ledger.job_scheduled.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)
            self._thread = None
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                jobs = lease(self.engine)
            except Exception:
                log.exception("leasing jobs failed; retrying in %.1f s", self.poll_s)
                jobs = []
            if jobs:
                wait([self._pool.submit(self._run, job) for job in jobs])
                continue
            self.engine.ledger.job_scheduled.wait(self.poll_s)
            self.engine.ledger.job_scheduled.clear()

    def _run(self, job: Any) -> None:
        try:
            run_job(self.engine, job)
        except Exception:
            log.exception("job %s of instance %s failed", job.id, job.instance_id)

