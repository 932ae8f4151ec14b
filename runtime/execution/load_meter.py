"""What a `Runner` measures of itself for the capacity dashboard: jobs finished and the time its
threads spent on them, written as one `worker_load` row every `sample_s` seconds.

The row also carries the due backlog at that moment (the count `/metrics` reports as
`statewright_jobs_due`), so the dashboard has a backlog trend without a separate sampler.
Writing goes through the group-commit writer: one small insert a minute per worker.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from sqlalchemy import Connection, delete, func, insert, or_, select

from runtime.core.clock import to_db
from runtime.instances import Ledger
from runtime.store import schema as t
from runtime.store.worker_load import KEEP_DAYS, worker_load

log = logging.getLogger("statewright.runner")
SAMPLE_S = 60.0


class LoadMeter:
    """Counts finished jobs and their busy time; `flush_if_due` writes them out."""

    def __init__(self, ledger: Ledger, threads: int, sample_s: float = SAMPLE_S) -> None:
        self.ledger, self.threads, self.sample_s = ledger, threads, sample_s
        self._lock = threading.Lock()
        self._jobs, self._busy_s = 0, 0.0
        self._since = ledger.clock.now()
        self._next = time.monotonic() + sample_s

    def ran(self, busy_s: float) -> None:
        """One job done by a thread that was busy with it for `busy_s` seconds."""
        with self._lock:
            self._jobs += 1
            self._busy_s += busy_s

    def flush_if_due(self) -> None:
        if time.monotonic() >= self._next:
            self.flush()

    def flush(self) -> None:
        """Write the counts since the last row (a row of zeros too: an idle worker is alive)."""
        with self._lock:
            jobs, busy_s = self._jobs, self._busy_s
            self._jobs, self._busy_s = 0, 0.0
            now, since = self.ledger.clock.now(), self._since
            self._since, self._next = now, time.monotonic() + self.sample_s
        period_us = max(0, round((now - since).total_seconds() * 1e6))
        ledger = self.ledger

        def work(conn: Connection) -> None:
            jobs_ = t.jobs
            moment = to_db(now)
            due = conn.execute(select(func.count()).select_from(jobs_).where(or_(
                (jobs_.c.state == t.JOB_READY) & (jobs_.c.run_at <= moment),
                (jobs_.c.state == t.JOB_LEASED) & (jobs_.c.lease_until < moment)))).scalar()
            conn.execute(delete(worker_load).where(
                worker_load.c.at < moment - timedelta(days=KEEP_DAYS)))
            conn.execute(delete(worker_load).where(worker_load.c.worker_id == ledger.worker_id,
                                                   worker_load.c.at == moment))
            conn.execute(insert(worker_load).values(
                worker_id=ledger.worker_id, at=moment, period_us=period_us,
                threads=self.threads, jobs=jobs, busy_us=round(busy_s * 1e6), due=due or 0))

        try:
            ledger.writer.submit(work)
        except Exception:
            log.exception("recording this worker's load failed; its next sample covers it")
            with self._lock:  # keep the counts for the next row
                self._jobs += jobs
                self._busy_s += busy_s
                self._since = since
