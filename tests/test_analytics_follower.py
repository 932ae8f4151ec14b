"""The dashboard aggregates follow the log from their own thread: folded soon after a commit
without anyone asking, exact when a reader settles, nothing lost when a process dies before
folding what it committed, nothing counted twice when two processes fold at once."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import select

from runtime import Engine, ManualClock
from runtime.analytics import tables as a
from runtime.analytics.updater import AnalyticsUpdater, rebuild
from runtime.store import schema as t

PROCESS: dict[str, Any] = {
    "schema": "statewright/v1",
    "key": "ping",
    "states": [{"id": "start", "type": "start"}, {"id": "waiting", "type": "wait"},
               {"id": "done", "type": "end", "outcome": "completed"}],
    "transitions": [{"from": "start", "to": "waiting"},
                    {"from": "waiting", "to": "waiting", "on": "again"},
                    {"from": "waiting", "to": "done", "on": "finish"}],
}


def _tables(engine: Engine) -> dict[str, list[str]]:
    with engine.store.read() as conn:
        return {table.name: sorted(json.dumps(list(row), default=str)
                                   for row in conn.execute(select(table)))
                for table in a.ALL}


def _counted(engine: Engine, kind: str) -> int:
    with engine.store.read() as conn:
        c = a.counts
        return sum(conn.execute(select(c.c.count).where(c.c.kind == kind)).scalars())


def _run(engine: Engine, n: int) -> list[str]:
    ids = [engine.start("ping", {}) for _ in range(n)]
    for iid in ids:
        engine.send(iid, "again")
        engine.send(iid, "finish")
    return ids


def test_commits_are_folded_in_the_background(engine: Engine) -> None:
    engine.publish(PROCESS)
    _run(engine, 5)
    deadline = time.monotonic() + 10
    while _counted(engine, "completed") < 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _counted(engine, "completed") == 5


def test_a_settled_read_is_exact_and_equals_a_rebuild(engine: Engine) -> None:
    engine.publish(PROCESS)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: _run(engine, 3), range(8)))
    engine.store.settle()
    assert _counted(engine, "completed") == 24
    incremental = _tables(engine)
    rebuild(engine.store)
    assert _tables(engine) == incremental


def test_events_a_dead_process_never_folded_are_folded_by_the_next(
        db_url: str, clock: ManualClock) -> None:
    with Engine(db_url, clock=clock) as first:
        first.publish(PROCESS)
        first.ledger.on_commit.clear()  # as if the process died before its follower ran
        first.analytics.close = lambda: None  # type: ignore[method-assign]
        _run(first, 4)
        assert _counted(first, "completed") == 0
    with Engine(db_url, clock=clock) as second:
        second.store.settle()
        assert _counted(second, "completed") == 4
        incremental = _tables(second)
        rebuild(second.store)
        assert _tables(second) == incremental


def test_two_processes_folding_at_once_count_each_event_once(
        db_url: str, clock: ManualClock) -> None:
    with Engine(db_url, clock=clock) as one, Engine(db_url, clock=clock) as other:
        one.publish(PROCESS)
        ids = _run(one, 6) + _run(other, 6)
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda e: e.store.settle(), [one, other, one, other]))
        assert _counted(one, "completed") == len(ids) == 12
        incremental = _tables(one)
        rebuild(one.store)
        assert _tables(one) == incremental


def test_folding_the_same_events_again_changes_nothing(engine: Engine) -> None:
    engine.publish(PROCESS)
    _run(engine, 3)
    engine.store.settle()
    before = _tables(engine)
    with engine.store.write() as conn:
        rows = conn.execute(select(t.events.c.instance_id, t.events.c.seq, t.events.c.type,
                                   t.events.c.data, t.events.c.at)
                            .order_by(t.events.c.instance_id, t.events.c.seq)).mappings().all()
        AnalyticsUpdater().apply(conn, rows)
    assert _tables(engine) == before
