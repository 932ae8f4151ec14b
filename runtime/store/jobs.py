"""The jobs table's statements: scheduling, leasing, finishing and retrying jobs.

A job is leased by a worker (`leased_by`, `lease_until`) before it runs; every statement
that finishes or retries one checks the lease is still that worker's. Inside a write
transaction new jobs are queued and inserted together (`flush_jobs`) before any other
statement on the jobs table runs, so none of them can miss one.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
    update,
)

from runtime.core.clock import to_db
from runtime.store import schema as t
from runtime.store.pending import PENDING, PendingWrites
from runtime.store.prepared import Prepared

_INSERT_JOB = Prepared(insert(t.jobs).values(
    id=bindparam("p_id"), instance_id=bindparam("p_iid"), kind=bindparam("p_kind"),
    state=bindparam("p_state"), run_at=bindparam("p_run_at", type_=t.jobs.c.run_at.type),
    attempt=bindparam("p_attempt"), payload=bindparam("p_payload", type_=t.jobs.c.payload.type),
    created_at=bindparam("p_created", type_=t.jobs.c.created_at.type),
    leased_by=bindparam("p_worker"),
    lease_until=bindparam("p_until", type_=t.jobs.c.lease_until.type),
))
# Finishing a leased job and checking the lease are one statement: a row changes only while
# the lease is still ours (on PostgreSQL the UPDATE also locks the row until commit).
_FINISH_LEASED = update(t.jobs).where(
    t.jobs.c.id == bindparam("p_id"), t.jobs.c.state == t.JOB_LEASED,
    t.jobs.c.leased_by == bindparam("p_worker"),
).values(state=t.JOB_DONE, leased_by=None, lease_until=None)
_FINISH_LEASED_MANY = update(t.jobs).where(
    t.jobs.c.id.in_(bindparam("p_ids", expanding=True)), t.jobs.c.state == t.JOB_LEASED,
    t.jobs.c.leased_by == bindparam("p_worker"),
).values(state=t.JOB_DONE, leased_by=None, lease_until=None).returning(t.jobs.c.id)
_RELEASE = update(t.jobs).where(
    t.jobs.c.id.in_(bindparam("p_ids", expanding=True)), t.jobs.c.state == t.JOB_LEASED,
    t.jobs.c.leased_by == bindparam("p_worker"),
).values(state=t.JOB_READY, leased_by=None, lease_until=None,
         attempt=t.jobs.c.attempt - 1)
_CANCEL_JOB = update(t.jobs).where(
    t.jobs.c.id == bindparam("p_id"), t.jobs.c.state.in_((t.JOB_READY, t.JOB_LEASED))
).values(state=t.JOB_CANCELLED, leased_by=None, lease_until=None)


class JobStatements:
    """The job methods of `Store` (a mixin: dialects override `_due_jobs` and the wake-ups)."""

    def flush_jobs(self, conn: Connection) -> None:
        """Insert the jobs `schedule_job` queued (one statement); every statement that reads
        or changes jobs in a write transaction calls this first, so none is ever missed."""
        pending: PendingWrites | None = conn.info.get(PENDING)
        if pending is not None and pending.jobs:
            jobs, pending.jobs = pending.jobs, []
            _INSERT_JOB.run(conn, jobs)

    def schedule_job(
        self, conn: Connection, job_id: str, instance_id: str, kind: str, run_at: datetime,
        payload: dict[str, Any], now: datetime, leased_to: tuple[str, datetime] | None = None,
    ) -> None:
        """Insert a job; `leased_to=(worker, until)` inserts it already leased (first attempt)
        to a local runner, which needs no lease transaction and no wake-up of the others."""
        worker, until = leased_to if leased_to is not None else (None, None)
        row = {
            "p_id": job_id, "p_iid": instance_id, "p_kind": kind,
            "p_state": t.JOB_READY if worker is None else t.JOB_LEASED,
            "p_run_at": to_db(run_at), "p_attempt": 0 if worker is None else 1,
            "p_payload": payload, "p_created": to_db(now), "p_worker": worker,
            "p_until": None if until is None else to_db(until),
        }
        pending: PendingWrites | None = conn.info.get(PENDING)
        if pending is not None:
            pending.jobs.append(row)  # inserted with the batch's others, before any job query
        else:
            _INSERT_JOB.run(conn, [row])
        if worker is None and run_at <= now:
            self.jobs_due(conn)

    def jobs_due(self, conn: Connection) -> None:
        """Tell other processes' runners that work is due (PostgreSQL: NOTIFY at commit)."""

    def listen_for_jobs(self, wake: threading.Event) -> None:
        """Set `wake` whenever another process schedules due work (PostgreSQL: LISTEN)."""

    def cancel_job(self, conn: Connection, job_id: str) -> None:
        self.flush_jobs(conn)
        conn.execute(_CANCEL_JOB, {"p_id": job_id})

    def count_due_jobs(self, conn: Connection, now: datetime) -> int:
        """The runners' backlog: ready and due, plus leases that ran out (a crashed worker's
        jobs, due again). Two counts, each served by `ix_jobs_due (state, run_at)`."""
        j, at = t.jobs, to_db(now)
        ready = (j.c.state == t.JOB_READY, j.c.run_at <= at)
        lapsed = (j.c.state == t.JOB_LEASED, j.c.lease_until < at)
        return sum(conn.execute(select(func.count()).select_from(j).where(*where)).scalar_one()
                   for where in (ready, lapsed))

    def _due_jobs(self, now: datetime, limit: int) -> Select[Any]:
        j = t.jobs
        at = to_db(now)
        return (
            select(j.c.id).where(or_(
                and_(j.c.state == t.JOB_READY, j.c.run_at <= at),
                and_(j.c.state == t.JOB_LEASED, j.c.lease_until < at),
            )).order_by(j.c.run_at).limit(limit)
        )

    def lease_jobs(
        self, conn: Connection, worker: str, now: datetime, lease_until: datetime, limit: int
    ) -> list[Any]:
        """Claim up to `limit` due jobs (or ones whose lease ran out) for `worker`."""
        self.flush_jobs(conn)
        ids = list(conn.execute(self._due_jobs(now, limit)).scalars())
        if not ids:
            return []
        j = t.jobs
        conn.execute(update(j).where(j.c.id.in_(ids)).values(
            state=t.JOB_LEASED, leased_by=worker, lease_until=to_db(lease_until),
            attempt=j.c.attempt + 1,
        ))
        return list(conn.execute(select(j).where(j.c.id.in_(ids)).order_by(j.c.run_at)))

    def lease_holders(self, conn: Connection) -> list[str]:
        """The workers holding leases now."""
        self.flush_jobs(conn)
        j = t.jobs
        return list(conn.execute(select(j.c.leased_by).where(j.c.state == t.JOB_LEASED)
                                 .distinct()).scalars())

    def take_over(self, conn: Connection, workers: list[str], now: datetime) -> int:
        """Make the jobs leased to `workers` (known dead) due again at once; how many."""
        self.flush_jobs(conn)
        j = t.jobs
        done = conn.execute(update(j).where(j.c.state == t.JOB_LEASED,
                                            j.c.leased_by.in_(workers)).values(
            state=t.JOB_READY, leased_by=None, lease_until=None, run_at=to_db(now)))
        if done.rowcount:
            self.jobs_due(conn)
        return done.rowcount

    def holds_lease(self, conn: Connection, job_id: str, worker: str) -> bool:
        self.flush_jobs(conn)
        j = t.jobs
        row = conn.execute(select(j.c.state, j.c.leased_by).where(j.c.id == job_id)
                           .with_for_update()).first()
        return row is not None and row.state == t.JOB_LEASED and row.leased_by == worker

    def finish_leased(self, conn: Connection, job_id: str, worker: str) -> bool:
        """Mark a job done if `worker` still holds its lease; False (nothing changed) if not."""
        pending: PendingWrites | None = conn.info.get(PENDING)
        if pending is not None and job_id in pending.finished:
            return True
        self.flush_jobs(conn)
        return conn.execute(_FINISH_LEASED, {"p_id": job_id, "p_worker": worker}).rowcount == 1

    def finish_leased_many(self, conn: Connection, job_ids: list[str], worker: str) -> None:
        """`finish_leased` for a whole batch of completions in one statement, ahead of them."""
        pending: PendingWrites = conn.info[PENDING]
        self.flush_jobs(conn)
        done = conn.execute(_FINISH_LEASED_MANY, {"p_ids": sorted(job_ids), "p_worker": worker})
        pending.finished.update(done.scalars())

    def release_jobs(self, conn: Connection, job_ids: list[str], worker: str) -> None:
        """Hand jobs leased to `worker` but never run back to the queue, attempt unspent."""
        self.flush_jobs(conn)
        if job_ids:
            conn.execute(_RELEASE, {"p_ids": job_ids, "p_worker": worker})
            self.jobs_due(conn)

    def finish_job(self, conn: Connection, job_id: str) -> None:
        self.flush_jobs(conn)
        conn.execute(update(t.jobs).where(t.jobs.c.id == job_id).values(
            state=t.JOB_DONE, leased_by=None, lease_until=None))

    def retry_job(self, conn: Connection, job_id: str, run_at: datetime, error: str) -> None:
        self.flush_jobs(conn)
        conn.execute(update(t.jobs).where(t.jobs.c.id == job_id).values(
            state=t.JOB_READY, run_at=to_db(run_at), leased_by=None, lease_until=None,
            last_error=error))
