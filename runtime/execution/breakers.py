"""Circuit breakers per group (a task's `breaker`, default its action name), kept in the store.

`failure_threshold` failures in a row open a group's breaker: for `open_s` seconds no attempt
of its actions is made; their jobs are postponed, without spending an attempt, to the moment
it half-opens. Then one trial call goes through: success closes the breaker, failure opens it
again. The state is a row shared by every worker on the database, so all of them stop at once.

Compensations pass breakers too (`compensation_group`: the state's `breaker`, else the
compensation's name), so a saga does not spend its attempts on a service that is down.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from runtime.core.clock import from_db, to_db
from runtime.instances import InstanceAccess
from runtime.store import schema as t
from runtime.store.resilience import breakers as table

log = logging.getLogger("statewright.breakers")

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"
FAILURE_THRESHOLD = 5
OPEN_S = 30.0
TRIAL_S = 60.0  # how long one half-open trial may take before another worker tries
HEALTHY_TTL_S = 1.0


@dataclass(frozen=True)
class BreakerState:
    name: str
    state: str
    failures: int
    open_until: datetime | None
    changed_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "state": self.state, "failures": self.failures,
                "open_until": self.open_until.isoformat() if self.open_until else None,
                "changed_at": self.changed_at.isoformat() if self.changed_at else None}


class BreakerBoard:
    """The breakers of one ledger's database."""

    def __init__(self, ledger: InstanceAccess, failure_threshold: int = FAILURE_THRESHOLD,
                 open_s: float = OPEN_S) -> None:
        self.ledger = ledger
        self.failure_threshold = failure_threshold
        self.open_s = open_s
        # Groups seen closed with no failures, until when (monotonic): the healthy path costs
        # no read at all; a breaker opened by another process is seen within HEALTHY_TTL_S.
        self._healthy: dict[str, float] = {}

    def admit(self, group: str) -> datetime | None:
        """None when a call of `group` may go ahead now, else when to try again."""
        if self._healthy.get(group, 0.0) > time.monotonic():
            return None
        with self.ledger.store.read() as conn:
            row = _row(conn, group)
        if row is None or (row.state == CLOSED and row.failures == 0):
            self._healthy[group] = time.monotonic() + HEALTHY_TTL_S
            return None
        if row.state == CLOSED:
            return None
        return self.ledger.writer.submit(lambda conn: self._admit(conn, group))

    def _admit(self, conn: Connection, group: str) -> datetime | None:
        row = _row(conn, group, lock=True)
        now = self.ledger.clock.now()
        if row is None or row.state == CLOSED:
            return None
        if row.state == OPEN and now < from_db(row.open_until):
            return from_db(row.open_until)
        if row.state == HALF_OPEN and row.trial_until and now < from_db(row.trial_until):
            return from_db(row.trial_until)  # another call is the trial
        trial_until = now + timedelta(seconds=TRIAL_S)
        self._set(conn, group, HALF_OPEN, row.failures, row.open_until, trial_until, now)
        return None

    def record(self, group: str, ok: bool) -> None:
        """Count the outcome of a call that `admit` let through."""
        if ok and self._healthy.get(group, 0.0) > time.monotonic():
            return
        self._healthy.pop(group, None)
        if ok:
            with self.ledger.store.read() as conn:
                row = _row(conn, group)
            if row is None or (row.state == CLOSED and row.failures == 0):
                return
        self.ledger.writer.submit(lambda conn: self._record(conn, group, ok))

    def _record(self, conn: Connection, group: str, ok: bool) -> None:
        row = _row(conn, group, lock=True)
        now = self.ledger.clock.now()
        if ok:
            if row is not None:
                self._set(conn, group, CLOSED, 0, None, None, now, row.state)
            return
        failures = (row.failures if row is not None else 0) + 1
        was = row.state if row is not None else None
        if was == HALF_OPEN or failures >= self.failure_threshold:
            until = to_db(now + timedelta(seconds=self.open_s))
            self._set(conn, group, OPEN, failures, until, None, now, was)
        else:
            self._set(conn, group, was or CLOSED, failures, None, None, now, was)

    def _set(self, conn: Connection, group: str, state: str, failures: int,
             open_until: Any, trial_until: Any, now: datetime, was: str | None = None) -> None:
        values = {"state": state, "failures": failures, "open_until": _db(open_until),
                  "trial_until": _db(trial_until), "changed_at": to_db(now)}
        if conn.execute(update(table).where(table.c.name == group).values(**values)).rowcount == 0:
            conn.execute(insert(table).values(name=group, **values))
        if was is not None and was != state:
            log.warning("circuit breaker %r: %s -> %s after %d failure(s)", group, was, state,
                        failures)

    def states(self) -> list[BreakerState]:
        """Every breaker that has seen a failure, with the state it is in now."""
        with self.ledger.store.read() as conn:
            rows = list(conn.execute(select(table).order_by(table.c.name)))
        return [self._view(r) for r in rows]

    def state(self, group: str) -> BreakerState:
        with self.ledger.store.read() as conn:
            row = _row(conn, group)
        if row is None:
            return BreakerState(group, CLOSED, 0, None, None)
        return self._view(row)

    def _view(self, row: Any) -> BreakerState:
        state = row.state
        if state == OPEN and self.ledger.clock.now() >= from_db(row.open_until):
            state = HALF_OPEN  # the next call will be the trial
        return BreakerState(row.name, state, row.failures, from_db(row.open_until),
                            from_db(row.changed_at))


def group_of(state: Any) -> str:
    """The breaker group of a task state: its `breaker`, else its action's name."""
    return state.breaker or state.action


def compensation_group(state: Any) -> str:
    """The group of a state's compensation: its `breaker` (the downstream service the action
    and its undo both call), else the compensation's own name (like an action's default)."""
    return state.breaker or state.compensation


def postpone(ledger: InstanceAccess, job: Any, run_at: datetime) -> None:
    """Put a leased job back to run at `run_at`, giving back the attempt its lease counted."""
    j = t.jobs

    def work(conn: Connection) -> None:
        if ledger.store.holds_lease(conn, job.id, ledger.worker_id):
            conn.execute(update(j).where(j.c.id == job.id).values(
                state=t.JOB_READY, run_at=to_db(run_at), leased_by=None, lease_until=None,
                attempt=j.c.attempt - 1))

    ledger.writer.submit(work, job.instance_id)


def _row(conn: Connection, group: str, lock: bool = False) -> Any:
    query = select(table).where(table.c.name == group)
    return conn.execute(query.with_for_update() if lock else query).first()


def _db(moment: Any) -> Any:
    return to_db(moment) if isinstance(moment, datetime) else moment
