"""Throughput against capacity, the backlog trend, and when the backlog or an SLA breaks.

Capacity is measured, not configured: each runner writes what it did every minute
(`runtime.store.worker_load`: jobs finished, the busy time of its threads), so a worker's
capacity is `threads / mean job time` (steps/s it would do with every thread busy) and the
fleet's is the sum over the workers seen lately. Demand is the arrival rate (instances started
per hour, from the aggregates) times the steps an instance takes (transitions per started
instance). When demand exceeds capacity the due backlog grows by the difference; the
backlog "breaks" when it holds more than `MAX_QUEUE_S` of the fleet's work, and a process
SLA breaks when its p90 cycle time plus the wait its steps spend behind the backlog passes
its `sla_s`. Without a measured capacity the observed backlog trend (least squares) is used.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from runtime.analytics import queries
from runtime.analytics import tables as a
from runtime.core.clock import from_db, to_db
from runtime.store import schema as t
from runtime.store.worker_load import worker_load as wl

LIVE_S = 180.0  # a worker with no sample for three minutes is gone
MAX_QUEUE_S = 900.0  # a backlog the fleet needs longer than this to clear is broken
BUCKETS = 48
LIVE_STATUSES = ("running", "suspended", "incident")


@dataclass(frozen=True)
class WorkerLoad:
    worker_id: str
    threads: int
    jobs: int
    busy_s: float
    period_s: float
    last_seen: datetime
    live: bool

    @property
    def active_s(self) -> float:
        """The time its samples cover; at least its threads' busy time (a first sample may
        cover only the moment since the runner started, not the work before it)."""
        return max(self.period_s, self.busy_s / self.threads if self.threads else 0.0)

    @property
    def steps_per_s(self) -> float:
        return self.jobs / self.active_s if self.active_s else 0.0

    @property
    def capacity_per_s(self) -> float | None:
        """Steps/s with every thread busy; None until it has run a job."""
        return self.threads * self.jobs / self.busy_s if self.busy_s > 0 else None


@dataclass(frozen=True)
class Forecast:
    growth_per_s: float | None  # how fast the due backlog grows (steps/s; < 0 shrinks)
    basis: str  # "arrival rate against capacity" | "backlog trend" | "no data"
    backlog_limit: float | None  # steps: MAX_QUEUE_S of the fleet's capacity
    backlog_breaks_in_s: float | None  # None: not at this rate; 0: broken now
    slas: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Capacity:
    since: datetime
    until: datetime
    workers: list[WorkerLoad]
    capacity_per_s: float | None
    throughput_per_s: float
    arrivals_per_h: float
    steps_per_instance: float | None
    demand_per_s: float | None
    backlog: int
    series: list[dict[str, Any]]  # per bucket: at, steps_per_s, capacity_per_s, due
    in_progress: list[dict[str, Any]]  # per hour: hour, started, finished, in_progress
    forecast: Forecast

    @property
    def utilisation(self) -> float | None:
        if not self.capacity_per_s:
            return None
        return self.throughput_per_s / self.capacity_per_s


def load(conn: Connection, now: datetime, window: timedelta = timedelta(hours=24)) -> Capacity:
    """The capacity tab's numbers over the `window` up to `now`, for every definition."""
    since, until = now - window, now
    rows = conn.execute(select(wl).where(wl.c.at > to_db(since), wl.c.at <= to_db(until))
                        .order_by(wl.c.at)).all()
    workers = _workers(rows, now)
    measured = [w.capacity_per_s for w in workers if w.live and w.capacity_per_s is not None]
    capacity = sum(measured) if measured else None
    throughput = sum(w.steps_per_s for w in workers)
    hours = queries.throughput(conn, None, by="hour", since=since, until=until)
    started = sum(h["started"] for h in hours)
    arrivals_per_h = started / (window.total_seconds() / 3600)
    steps = _steps_per_instance(conn, since, until, started)
    demand = arrivals_per_h / 3600 * steps if steps is not None else None
    series = _series(rows, since, window)
    backlog = rows[-1].due if rows else 0
    forecast = _forecast(conn, series, backlog, capacity, demand, steps, since, until)
    return Capacity(since, until, workers, capacity, throughput, arrivals_per_h, steps, demand,
                    backlog, series, _in_progress(conn, hours), forecast)


def _workers(rows: list[Any], now: datetime) -> list[WorkerLoad]:
    per: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        per[row.worker_id].append(row)
    out = []
    for worker, samples in sorted(per.items()):
        last = from_db(samples[-1].at)
        out.append(WorkerLoad(worker, samples[-1].threads, sum(s.jobs for s in samples),
                              sum(s.busy_us for s in samples) / 1e6,
                              sum(s.period_us for s in samples) / 1e6, last,
                              (now - last).total_seconds() <= LIVE_S))
    return out


def _steps_per_instance(conn: Connection, since: datetime, until: datetime,
                        started: int) -> float | None:
    """Transitions per started instance over the range: the steps one arrival brings."""
    if not started:
        return None
    c = a.counts
    taken = conn.execute(select(func.sum(c.c.count)).where(
        *queries.in_scope(c, None, None, since, until), c.c.kind == "transition")).scalar()
    return int(taken or 0) / started


def _series(rows: list[Any], since: datetime, window: timedelta) -> list[dict[str, Any]]:
    """Per bucket: steps/s done, the capacity measured in it, the largest backlog seen."""
    size = max(60.0, window.total_seconds() / BUCKETS)
    start = to_db(since)
    buckets: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        buckets[int((row.at - start).total_seconds() // size)].append(row)
    out = []
    for n in sorted(buckets):
        samples = buckets[n]
        per_worker: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0])
        for s in samples:
            acc = per_worker[s.worker_id]
            acc[0] += s.jobs
            acc[1] += s.busy_us / 1e6
            acc[2] = s.threads
        capacity = sum(th * jobs / busy for jobs, busy, th in per_worker.values() if busy > 0)
        out.append({"at": from_db(start + timedelta(seconds=n * size)),
                    "steps_per_s": sum(s.jobs for s in samples) / size,
                    "capacity_per_s": capacity or None,
                    "due": max(s.due for s in samples)})
    return out


def _in_progress(conn: Connection, hours: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Instances in progress at the end of each hour, counted back from how many are now."""
    i = a.instances
    now_open = conn.execute(select(func.count()).select_from(i).where(
        i.c.status.in_(LIVE_STATUSES))).scalar() or 0
    out, level = [], int(now_open)
    for hour in reversed(hours):
        finished = hour["completed"] + hour["failed"] + hour["cancelled"]
        out.append({"hour": hour["hour"], "started": hour["started"], "finished": finished,
                    "in_progress": level})
        level -= hour["started"] - finished
    return list(reversed(out))


def _forecast(conn: Connection, series: list[dict[str, Any]], backlog: int,
              capacity: float | None, demand: float | None, steps: float | None,
              since: datetime, until: datetime) -> Forecast:
    if capacity and demand is not None:
        growth, basis = demand - capacity, "arrival rate against capacity"
    elif len(series) >= 3:
        xs = [(p["at"] - series[0]["at"]).total_seconds() for p in series]
        growth = statistics.linear_regression(xs, [float(p["due"]) for p in series]).slope
        basis = "backlog trend"
    else:
        return Forecast(None, "no data", None, None)
    limit = capacity * MAX_QUEUE_S if capacity else None
    breaks = None if limit is None else _time_to(backlog, growth, limit)
    slas = []
    for key, sla_s in _process_slas(conn):
        p90 = queries.cycle_time(conn, key, since=since, until=until)["p90"]
        row: dict[str, Any] = {"definition": key, "sla_s": sla_s, "p90_s": p90,
                               "breaks_in_s": None}
        if p90 is not None and capacity:
            per_step = (steps or 1.0) / capacity  # each step waits behind the backlog
            # p90 + per_step * (backlog + growth * t) > sla_s
            row["breaks_in_s"] = _time_to(backlog * per_step, growth * per_step, sla_s - p90)
        slas.append(row)
    return Forecast(growth, basis, limit, breaks, slas)


def _time_to(level: float, growth: float, limit: float) -> float | None:
    """Seconds until `level` growing by `growth`/s reaches `limit`; 0 past it, None never."""
    if level >= limit:
        return 0.0
    if growth <= 0:
        return None
    return (limit - level) / growth


def _process_slas(conn: Connection) -> list[tuple[str, float]]:
    """(key, sla_s) of every definition whose newest version has a process `sla_s`."""
    v = t.definition_versions
    newest = select(v.c.key, func.max(v.c.version).label("version")).group_by(v.c.key).subquery()
    rows = conn.execute(select(v.c.key, v.c.document).join(
        newest, (newest.c.key == v.c.key) & (newest.c.version == v.c.version)).order_by(v.c.key))
    return [(key, float(doc["sla_s"])) for key, doc in rows if doc.get("sla_s")]
