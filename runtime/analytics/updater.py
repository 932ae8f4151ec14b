"""Fold appended events into the aggregate tables, in the transaction that appends them.

Each batch is summed in memory first, then written as one upsert per aggregate key
(`INSERT ... ON CONFLICT DO UPDATE`, on SQLite and PostgreSQL alike). `rebuild` truncates
the tables and replays the whole log through the same code, so both give equal numbers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from runtime.analytics import tables as a
from runtime.analytics.followed import Followed
from runtime.analytics.postgres_upsert import upsert_all
from runtime.analytics.sketch import bucket_of
from runtime.analytics.timing import Timing
from runtime.analytics.tracked import Tracked, TrackedTask, Visit
from runtime.core import events as ev
from runtime.core.step import INTERNAL_EVENTS
from runtime.people.tasks.model import TASK_CLAIMED, TASK_CREATED, TASK_DELEGATED, TASK_ESCALATED
from runtime.store import schema as t
from runtime.store.prepared import Prepared

if TYPE_CHECKING:
    from runtime.store.base import Store

TERMINAL = frozenset({"completed", "failed", "cancelled"})
REBUILD_CHUNK = 2000
ROLE_KEPT = 64  # characters of a role name kept in the aggregate keys
_TRACKED = select(
    a.instances, a.tasks.c.state.label("task_state"), a.tasks.c.role.label("task_role"),
    a.tasks.c.original_role.label("task_original_role"),
    a.tasks.c.created_at.label("task_created_at"), a.tasks.c.claimed_at.label("task_claimed_at"),
).outerjoin(a.tasks, a.tasks.c.instance_id == a.instances.c.instance_id).where(
    a.instances.c.instance_id.in_(bindparam("p_ids", expanding=True)))


@dataclass
class _Batch:
    counts: defaultdict[tuple[Any, ...], list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0]))
    histograms: defaultdict[tuple[Any, ...], int] = field(default_factory=lambda: defaultdict(int))
    daily: defaultdict[tuple[Any, ...], int] = field(default_factory=lambda: defaultdict(int))
    variants: dict[tuple[str, int, str], list[str]] = field(default_factory=dict)

    def count(self, who: Tracked, at: datetime, kind: str, state: str = "", target: str = "",
              event: str = "", duration_us: int = 0) -> None:
        entry = self.counts[(who.key, who.version, _hour(at), kind, state, target, event)]
        entry[0] += 1
        entry[1] += duration_us

    def duration(self, who: Tracked, at: datetime, kind: str, subject: str, us: int) -> None:
        bucket = bucket_of(us)
        self.histograms[(who.key, who.version, _hour(at), kind, subject, bucket)] += 1
        self.daily[(who.key, who.version, _day(at), kind, subject, bucket)] += 1


class AnalyticsUpdater:
    """One per store: caches the SLAs and calendars of definition versions, and what it last
    wrote of the instances it follows (`Followed`)."""

    def __init__(self) -> None:
        self._timings: dict[tuple[str, int], Timing] = {}
        self._followed = Followed()

    def __call__(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        self.apply(conn, rows)

    def apply(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Fold `rows` (events in seq order per instance) into the aggregates."""
        if not rows:
            return
        tracked, last_seq = self._followed.recall(rows, lambda ids: {
            row.instance_id: _tracked(row) for row in conn.execute(_TRACKED, {"p_ids": ids})})
        batch, changed = _Batch(), set()
        for row in rows:
            iid = row["instance_id"]
            data, at = row["data"], row["at"]
            if row["type"] == ev.INSTANCE_STARTED and "definition" in data:
                tracked[iid] = Tracked(data["definition"], data["version"], None, "running",
                                        at, at, "", [])
                batch.count(tracked[iid], at, "started")
            elif iid not in tracked:
                continue  # an instance older than the analytics tables: `rebuild` covers it
            self._fold(conn, batch, tracked[iid], row)
            changed.add(iid)
        _write(conn, batch, [(iid, tracked[iid]) for iid in sorted(changed)])
        self._followed.remember({iid: (last_seq[iid], tracked[iid]) for iid in changed})

    def _fold(self, conn: Connection, batch: _Batch, who: Tracked,
              row: Mapping[str, Any]) -> None:
        type_, data, at = row["type"], row["data"], row["at"]
        status = who.status
        if type_ == ev.INSTANCE_STARTED:
            return
        if type_ in _TASK_EVENTS:
            _follow_task(batch, who, type_, data, at)
            return
        if type_ in (ev.BRANCHES_STARTED, ev.BRANCHES_JOINED) or (
                type_ == ev.TRANSITION and data.get("branch")):
            status = self._follow_branches(conn, batch, who, type_, data, at) or status
        elif type_ == ev.TRANSITION:
            if who.state is not None:
                self._leave(conn, batch, who, at, data.get("event"))
            target = data["to"]
            batch.count(who, at, "transition", who.state or "", target, data.get("event") or "")
            batch.count(who, at, "entered", target)
            who.enter(target, at)
            status = data.get("status", status)
        elif type_ == ev.INCIDENT:
            status = "incident"
        elif type_ == ev.CANCELLED:
            status = "cancelled"
        elif type_ in ev.OPERATOR_EVENTS:
            status = data["status"]
            who.version = data.get("to_version", who.version)
        if status in TERMINAL and who.status not in TERMINAL:
            for visit in who.branches.values():  # branches stop where they stood
                if visit.state is not None:
                    self._close(conn, batch, who, visit.state, visit.entered_at, visit.task,
                                at, None)
            who.branches.clear()
            if type_ != ev.TRANSITION and who.state is not None:
                self._leave(conn, batch, who, at, None)  # cancelled where it stood
            self._finish(conn, batch, who, status, at)
        who.status = status

    def _follow_branches(self, conn: Connection, batch: _Batch, who: Tracked, type_: str,
                         data: Mapping[str, Any], at: datetime) -> str | None:
        """Each branch's visits are timed like the instance's own; the instance itself waits
        at the fork until the join (its path, and so its variant, is fork then join)."""
        if type_ == ev.BRANCHES_STARTED:
            who.branches.update({b: Visit(None, at) for b in data["branches"]})
            return None
        if type_ == ev.BRANCHES_JOINED:
            join, parent = data["join"], data["parent"]
            for branch in data["branches"]:
                visit = who.branches.pop(branch, None)
                if visit is not None and visit.state is not None:
                    self._close(conn, batch, who, visit.state, visit.entered_at, None, at, None)
            if parent:
                self._move_branch(conn, batch, who, parent, join, None, at)
            else:
                if who.state is not None:
                    self._leave(conn, batch, who, at, None)
                batch.count(who, at, "transition", who.state or "", join, "")
                batch.count(who, at, "entered", join)
                who.enter(join, at)
            return None
        self._move_branch(conn, batch, who, data["branch"], data["to"], data.get("event"), at,
                          data.get("from"))
        return data.get("status")

    def _move_branch(self, conn: Connection, batch: _Batch, who: Tracked, branch: str,
                     target: str, event: str | None, at: datetime,
                     source: str | None = None) -> None:
        visit = who.branches.get(branch)
        if visit is not None and visit.state is not None:
            self._close(conn, batch, who, visit.state, visit.entered_at, visit.task, at, event)
            source = visit.state
        batch.count(who, at, "transition", source or "", target, event or "")
        batch.count(who, at, "entered", target)
        who.branches[branch] = Visit(target, at)

    def _leave(self, conn: Connection, batch: _Batch, who: Tracked, at: datetime,
               event: str | None) -> None:
        """Close the visit of the current state (and its task: done when left by an outcome)."""
        state = who.state or ""
        task = who.task if who.task is not None and who.task.state == state else None
        self._close(conn, batch, who, state, who.entered_at, task, at, event)
        if task is not None:
            who.task = None

    def _close(self, conn: Connection, batch: _Batch, who: Tracked, state: str,
               entered_at: datetime, task: TrackedTask | None, at: datetime,
               event: str | None) -> None:
        """Count one finished visit of `state`: its time, its SLA, its task's completion."""
        us = _micros(at - entered_at)
        batch.count(who, at, "exited", state, duration_us=us)
        batch.duration(who, at, "state_time", state, us)
        timing = self._timing(conn, who.key, who.version)
        business = timing.business_us(state, entered_at, at)
        if business is not None:
            batch.count(who, at, "exited_biz", state, duration_us=business)
            batch.duration(who, at, "state_time_biz", state, business)
        sla = timing.state_slas.get(state)
        if sla is not None and (us if business is None else business) > sla * 1e6:
            batch.count(who, at, "sla_breach", state, task.original_role if task else "")
        if task is not None and event and event not in INTERNAL_EVENTS:
            done_us = _micros(at - task.created_at)
            batch.count(who, at, "task_completed", state, task.role, duration_us=done_us)
            batch.duration(who, at, "task_done", task.role, done_us)

    def _finish(self, conn: Connection, batch: _Batch, who: Tracked, status: str,
                at: datetime) -> None:
        us = _micros(at - who.started_at)
        batch.count(who, at, status)
        batch.count(who, at, "cycle", duration_us=us)
        batch.duration(who, at, "cycle", "", us)
        timing = self._timing(conn, who.key, who.version)
        business = timing.business_us(None, who.started_at, at)
        if business is not None:
            batch.count(who, at, "cycle_biz", duration_us=business)
            batch.duration(who, at, "cycle_biz", "", business)
        variant = who.path_hash
        batch.count(who, at, "variant", variant, duration_us=us)
        batch.duration(who, at, "variant", variant, us)
        batch.variants[(who.key, who.version, variant)] = list(who.path)
        sla = timing.process_sla
        if sla is not None and (us if business is None else business) > sla * 1e6:
            batch.count(who, at, "sla_breach")

    def _timing(self, conn: Connection, key: str, version: int) -> Timing:
        """The SLAs and calendars of one version (immutable once published)."""
        cached = self._timings.get((key, version))
        if cached is None:
            v = t.definition_versions
            doc = conn.execute(select(v.c.document).where(
                v.c.key == key, v.c.version == version)).scalar() or {}
            cached = Timing.of(doc)
            self._timings[(key, version)] = cached
        return cached


_TASK_EVENTS = frozenset({TASK_CREATED, TASK_CLAIMED, TASK_DELEGATED, TASK_ESCALATED})


def _follow_task(batch: _Batch, who: Tracked, type_: str, data: Mapping[str, Any],
                 at: datetime) -> None:
    """Track the open task's role and claim as the inbox changes it (as `task_metrics` does:
    only the first claim is timed; a delegation to a person counts as claimed, untimed)."""
    if type_ == TASK_CREATED:
        role = data["role"][:ROLE_KEPT]
        visit = who.branches.get(data.get("branch") or "")
        if visit is not None:
            visit.task = TrackedTask(visit.state or "", role, role, at, task_id=data.get("task_id"))
            batch.count(who, at, "task_created", visit.task.state, role)
            return
        who.task = TrackedTask(who.state or "", role, role, at)
        batch.count(who, at, "task_created", who.task.state, role)
        return
    task = next((v.task for v in who.branches.values()
                 if v.task is not None and v.task.task_id == data.get("task_id")), who.task)
    if task is None:
        return  # the task of a visit that began before the analytics tables existed
    if type_ == TASK_CLAIMED and task.claimed_at is None:
        task.claimed_at = at
        us = _micros(at - task.created_at)
        batch.count(who, at, "task_claimed", task.state, task.role, duration_us=us)
        batch.duration(who, at, "task_claim", task.role, us)
    elif type_ == TASK_DELEGATED and data.get("to_role"):
        task.role = data["to_role"][:ROLE_KEPT]
    elif type_ == TASK_DELEGATED and task.claimed_at is None:
        task.claimed_at = at
    elif type_ == TASK_ESCALATED:
        task.role = data["to_role"][:ROLE_KEPT]


def _tracked(row: Any) -> Tracked:
    task = None if row.task_state is None else TrackedTask(
        row.task_state, row.task_role, row.task_original_role, row.task_created_at,
        row.task_claimed_at)
    branches = {b: Visit.from_json(v) for b, v in (row.branches or {}).items()}
    return Tracked(row.definition_key, row.version, row.state, row.status, row.started_at,
                    row.entered_at, row.path_hash, list(row.path), task, task is not None,
                    branches)


def rebuild(store: Store) -> int:
    """Recompute every aggregate from the event log; returns the number of events replayed.

    Runs in one write transaction that keeps writers out (SQLite: BEGIN IMMEDIATE;
    PostgreSQL: a lock on the events table), so no event is missed or counted twice.
    """
    updater, replayed = AnalyticsUpdater(), 0
    e = t.events
    with store.write() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE")
        for table in a.ALL:
            conn.execute(delete(table))
        result = conn.execute(
            select(e.c.instance_id, e.c.seq, e.c.type, e.c.data, e.c.at)
            .order_by(e.c.instance_id, e.c.seq).execution_options(yield_per=REBUILD_CHUNK))
        for chunk in result.mappings().partitions():
            updater.apply(conn, chunk)
            replayed += len(chunk)
    return replayed


def _write(conn: Connection, batch: _Batch, tracked: list[tuple[str, Tracked]]) -> None:
    """Upsert in key order, so concurrent PostgreSQL writers lock rows in one order."""
    _write_tasks(conn, tracked)
    if conn.dialect.name == "postgresql":
        upsert_all(conn, [(*k, *v) for k, v in sorted(batch.counts.items())],
                   [(*k, n) for k, n in sorted(batch.histograms.items())],
                   [(*k, n) for k, n in sorted(batch.daily.items())],
                   [(*k, path) for k, path in sorted(batch.variants.items())],
                   [(iid, w.key, w.version, w.state, w.status, w.started_at, w.entered_at,
                     w.path_hash, w.path, w.branches_json()) for iid, w in tracked])
        return
    stmts = _upserts(conn.dialect.name)
    if batch.counts:
        stmts["counts"].run(conn, [
            {"definition_key": k[0], "version": k[1], "hour": k[2], "kind": k[3],
             "state": k[4], "target": k[5], "event": k[6], "count": v[0], "total_us": v[1]}
            for k, v in sorted(batch.counts.items())])
    if batch.histograms:
        stmts["histograms"].run(conn, [
            {"definition_key": k[0], "version": k[1], "hour": k[2], "kind": k[3],
             "subject": k[4], "bucket": k[5], "count": n}
            for k, n in sorted(batch.histograms.items())])
    if batch.daily:
        stmts["daily"].run(conn, [
            {"definition_key": k[0], "version": k[1], "day": k[2], "kind": k[3],
             "subject": k[4], "bucket": k[5], "count": n}
            for k, n in sorted(batch.daily.items())])
    if batch.variants:
        stmts["variants"].run(conn, [
            {"definition_key": k[0], "version": k[1], "hash": k[2], "path": path}
            for k, path in sorted(batch.variants.items())])
    if tracked:
        stmts["instances"].run(conn, [
            {"instance_id": iid, "definition_key": w.key, "version": w.version,
             "state": w.state, "status": w.status, "started_at": w.started_at,
             "entered_at": w.entered_at, "path_hash": w.path_hash, "path": w.path,
             "branches": w.branches_json()}
            for iid, w in tracked])


def _write_tasks(conn: Connection, tracked: list[tuple[str, Tracked]]) -> None:
    """Store the open tasks that changed, forget the closed ones (statements only when any)."""
    open_ = [{"instance_id": iid, "state": w.task.state, "role": w.task.role,
              "original_role": w.task.original_role, "created_at": w.task.created_at,
              "claimed_at": w.task.claimed_at} for iid, w in tracked if w.task is not None]
    closed = [iid for iid, w in tracked if w.task is None and w.had_task]
    if closed:
        conn.execute(delete(a.tasks).where(a.tasks.c.instance_id.in_(closed)))
    if open_:
        _upserts(conn.dialect.name)["tasks"].run(conn, open_)


@cache
def _upserts(dialect: str) -> dict[str, Prepared]:
    """The upserts, built once per dialect: building them costs more than running them."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    counts, histograms, instances = insert(a.counts), insert(a.histograms), insert(a.instances)
    tasks, daily = insert(a.tasks), insert(a.histograms_daily)
    return {name: Prepared(statement) for name, statement in {
        "counts": counts.on_conflict_do_update(
            index_elements=[c.name for c in a.counts.primary_key],
            set_={"count": a.counts.c.count + counts.excluded["count"],
                  "total_us": a.counts.c.total_us + counts.excluded.total_us}),
        "histograms": histograms.on_conflict_do_update(
            index_elements=[c.name for c in a.histograms.primary_key],
            set_={"count": a.histograms.c.count + histograms.excluded["count"]}),
        "daily": daily.on_conflict_do_update(
            index_elements=[c.name for c in a.histograms_daily.primary_key],
            set_={"count": a.histograms_daily.c.count + daily.excluded["count"]}),
        "variants": insert(a.variants).on_conflict_do_nothing(),
        "instances": instances.on_conflict_do_update(
            index_elements=["instance_id"],
            set_={c.name: instances.excluded[c.name] for c in a.instances.columns
                  if c.name != "instance_id"}),
        "tasks": tasks.on_conflict_do_update(
            index_elements=["instance_id"],
            set_={c.name: tasks.excluded[c.name] for c in a.tasks.columns
                  if c.name != "instance_id"}),
    }.items()}


def _hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def _day(at: datetime) -> datetime:
    return at.replace(hour=0, minute=0, second=0, microsecond=0)


def _micros(delta: Any) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
