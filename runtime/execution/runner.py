"""The `Runner`: threads that run due jobs for `serve` and `worker`, fed two ways.

Jobs created by this process arrive on the intake as soon as their transaction commits
(`runtime.instances.local_jobs`); jobs from elsewhere (timers that fell due, retries, other
processes' work, leases that ran out) are leased from the database as threads free up, so
one slow job never holds up the others. A thread does not wait for its job's outcome to be
committed: the outcome joins the writer's next group commit while the thread runs the next
job. `stop` hands jobs leased but not yet run back to the database for any runner to take.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from concurrent.futures import Future
from typing import Any, Protocol

from runtime.execution.jobs import LEASE_BATCH, JobHost, lease, run_job
from runtime.execution.load_meter import SAMPLE_S, LoadMeter
from runtime.execution.periodic import Periodic, PeriodicWork
from runtime.execution.takeover import take_over_dead
from runtime.execution.witness import Witness
from runtime.people.tasks.housekeeping import Housekeeping

log = logging.getLogger("statewright.runner")


class Intake:
    """The runner's queue of leased jobs; it accepts local hand-offs while it is short."""

    def __init__(self, room: int) -> None:
        self.room = room
        self.closed = False
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def accepts(self) -> bool:
        return not self.closed and self._jobs.qsize() < self.room

    def put(self, job: Any) -> None:
        self._jobs.put(job)

    def get(self, timeout_s: float) -> Any | None:
        try:
            return self._jobs.get(timeout=timeout_s)
        except queue.Empty:
            return None

    def size(self) -> int:
        return self._jobs.qsize()

    def drain(self) -> list[Any]:
        left = []
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return left
            if job is not None:
                left.append(job)


class RunnerHost(JobHost, Protocol):
    """A job host that also names its periodic work (the engine: alert evaluation)."""

    periodic: list[PeriodicWork]


class Runner:
    """Runs due jobs in `threads` threads until `stop`; several runners may share a database."""

    def __init__(self, engine: RunnerHost, poll_s: float = 1.0, threads: int = 4,
                 sample_s: float = SAMPLE_S) -> None:
        """`sample_s`: how often the measured load is written for the capacity dashboard."""
        self.engine = engine
        self.poll_s = poll_s
        self.threads = threads
        self.intake = Intake(room=threads * 4)
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        self._feeder: threading.Thread | None = None
        self._outcomes: set[Future[None]] = set()
        self._outcomes_lock = threading.Lock()
        self._room = threading.Event()  # a thread took a job from a short intake
        self._housekeeping = Housekeeping(engine)  # task SLA sweep, notification delivery
        self._periodic = [Periodic(work) for work in engine.periodic]
        self._witness = Witness(engine.ledger)  # checkpoints and retention, when configured
        self.meter = LoadMeter(engine.ledger, threads, sample_s)

    def start(self) -> Runner:
        if self._feeder is None:
            self._stop.clear()
            ledger = self.engine.ledger
            ledger.store.listen_for_jobs(ledger.job_scheduled)
            take_over_dead(ledger)
            self.intake.closed = False
            ledger.dispatch = self.intake
            self._workers = [threading.Thread(target=self._work, name=f"job_{n}", daemon=True)
                             for n in range(self.threads)]
            self._feeder = threading.Thread(target=self._feed, name="statewright-runner",
                                            daemon=True)
            for thread in (*self._workers, self._feeder):
                thread.start()
            self._housekeeping.start()
            for periodic in self._periodic:
                periodic.start()
            self._witness.start()
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        ledger = self.engine.ledger
        was_running = self._feeder is not None
        self.intake.closed = True
        if ledger.dispatch is self.intake:
            ledger.dispatch = None
        self._housekeeping.stop(timeout_s)
        for periodic in self._periodic:
            periodic.stop(timeout_s)
        self._witness.stop(timeout_s)
        self._stop.set()
        ledger.job_scheduled.set()
        self._room.set()
        deadline = time.monotonic() + timeout_s
        for thread in (*self._workers, *([self._feeder] if self._feeder else [])):
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        self._workers, self._feeder = [], None
        with self._outcomes_lock:
            outcomes = list(self._outcomes)
        for outcome in outcomes:
            with contextlib.suppress(Exception):  # a failure was logged where it happened
                outcome.result(timeout=max(0.0, deadline - time.monotonic()))
        self._release(self.intake.drain())
        if was_running:
            self.meter.flush()

    def _feed(self) -> None:
        """Lease due jobs from the database: when told some are due, every `poll_s`, and
        again as threads free up while the last lease suggested more are waiting."""
        wake = self.engine.ledger.job_scheduled
        while not self._stop.is_set():
            self.meter.flush_if_due()
            room = self.threads * 2 - self.intake.size()
            more = room <= 0
            if room > 0:
                try:
                    jobs = lease(self.engine, min(room, LEASE_BATCH))
                except Exception:
                    log.exception("leasing jobs failed; retrying in %.1f s", self.poll_s)
                    jobs = []
                for job in jobs:
                    self.intake.put(job)
                more = len(jobs) == min(room, LEASE_BATCH)
            if more:  # the database may hold more: lease again once a thread takes a job
                self._room.wait(self.poll_s)
                self._room.clear()
            else:
                wake.wait(self.poll_s)
                wake.clear()

    def _work(self) -> None:
        while not self._stop.is_set():
            job = self.intake.get(0.2)
            if job is None:
                continue
            if self.intake.size() < self.threads:
                self._room.set()
            started = time.monotonic()
            try:
                outcome = run_job(self.engine, job)
            except Exception:
                log.exception("job %s of instance %s failed", job.id, job.instance_id)
                continue
            finally:
                self.meter.ran(time.monotonic() - started)
            if outcome is not None:
                self._track(outcome, job)

    def _track(self, outcome: Future[None], job: Any) -> None:
        with self._outcomes_lock:
            self._outcomes.add(outcome)

        def done(future: Future[None]) -> None:
            with self._outcomes_lock:
                self._outcomes.discard(future)
            if future.exception() is not None:
                log.error("recording job %s of instance %s failed: %s", job.id,
                          job.instance_id, future.exception())

        outcome.add_done_callback(done)

    def _release(self, jobs: list[Any]) -> None:
        if not jobs:
            return
        ledger = self.engine.ledger
        ids = [job.id for job in jobs]
        try:
            ledger.writer.submit(lambda conn: ledger.store.release_jobs(conn, ids,
                                                                        ledger.worker_id))
        except Exception:
            log.exception("handing back %d unrun job(s) failed; their leases run out", len(ids))

