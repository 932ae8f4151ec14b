"""The updater remembers the instances it follows between batches, and trusts that memory only
when nothing else can have folded their events since: other engines on the same database, and
batches that rolled back after folding, still leave aggregates equal to a rebuild."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from runtime import Engine, ManualClock
from runtime.analytics import tables as a
from runtime.analytics.followed import Followed
from runtime.analytics.tracked import Tracked
from runtime.analytics.updater import rebuild
from runtime.benchmarks.engine import PROCESS


def _tables(engine: Engine) -> dict[str, list[str]]:
    with engine.store.read() as conn:
        return {table.name: sorted(json.dumps(list(row), default=str)
                                   for row in conn.execute(select(table)))
                for table in a.ALL}


def _equal_to_a_rebuild(engine: Engine) -> None:
    incremental = _tables(engine)
    assert incremental["analytics_counts"]
    rebuild(engine.store)
    assert _tables(engine) == incremental


def test_two_engines_taking_turns_on_one_instance_keep_the_aggregates_exact(
        db_url: str, clock: ManualClock) -> None:
    with Engine(db_url, clock=clock) as first, Engine(db_url, clock=clock) as second:
        first.publish(PROCESS)
        iids = [first.start(PROCESS["key"], {}) for _ in range(3)]
        for turn in range(8):
            clock.advance(60 * (turn + 1))
            sender = first if turn % 3 else second  # the first engine's memory goes stale
            for iid in iids:
                sender.send(iid, "revise")
        clock.advance(7)
        for iid in iids:
            first.send(iid, "close")
        _equal_to_a_rebuild(first)


def test_a_batch_that_rolled_back_after_folding_is_folded_again_from_the_table(
        sqlite_url: str, clock: ManualClock) -> None:
    with Engine(sqlite_url, clock=clock) as engine:
        engine.publish(PROCESS)
        iid = engine.start(PROCESS["key"], {})
        engine.send(iid, "revise")
        failures = [RuntimeError("the disk is gone")]

        def fail_once(conn: Any, rows: list[dict[str, Any]]) -> None:
            if failures:
                raise failures.pop()

        engine.store.event_hooks.append(fail_once)  # after the updater folded the batch
        clock.advance(30)
        logged = len(engine.history(iid))
        with pytest.raises(RuntimeError):
            engine.send(iid, "revise")
        assert len(engine.history(iid)) == logged  # its events will be appended again
        clock.advance(90)
        engine.send(iid, "revise")
        engine.send(iid, "close")
        _equal_to_a_rebuild(engine)


def _who(state: str) -> Tracked:
    from datetime import datetime
    now = datetime(2026, 12, 6)
    return Tracked("k", 1, state, "running", now, now, "", [state])


def test_only_the_event_right_after_the_remembered_one_is_trusted() -> None:
    followed, reads = Followed(kept=2), []

    def read(ids: list[str]) -> dict[str, Tracked]:
        reads.append(ids)
        return {iid: _who("from-table") for iid in ids}

    followed.remember({"a": (4, _who("a")), "b": (2, _who("b"))})
    tracked, last = followed.recall(
        [{"instance_id": "a", "seq": 5}, {"instance_id": "a", "seq": 6},
         {"instance_id": "b", "seq": 4}, {"instance_id": "c", "seq": 1}], read)
    assert tracked["a"].state == "a" and last == {"a": 6, "b": 4, "c": 1}
    assert reads == [["b"]]  # b skipped seq 3 (folded elsewhere); c starts in these rows
    followed.remember({"c": (1, _who("c"))})  # a, b, c: only the two newest are kept
    reads.clear()
    followed.recall([{"instance_id": "a", "seq": 5}, {"instance_id": "c", "seq": 2}], read)
    assert reads == [["a"]]
