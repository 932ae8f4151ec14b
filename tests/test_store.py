"""Contract of the store on SQLite and PostgreSQL: versions, the log, leases, idempotency."""

from __future__ import annotations

from datetime import timedelta

import pytest

from runtime import ConcurrencyError, ManualClock
from runtime.core.events import GENESIS_HASH, NewEvent
from runtime.core.step import Snapshot
from runtime.store import Store, open_store
from runtime.store import schema as t


@pytest.fixture
def store(db_url: str):
    opened = open_store(db_url)
    yield opened
    opened.close()


@pytest.fixture
def now():
    return ManualClock().now()


DOCUMENT = {"schema": "statewright/v1", "key": "purchase-order", "states": []}


def _instance(store: Store, now, iid: str = "po-1") -> Snapshot:
    snap = Snapshot(id=iid, definition="purchase-order", version=1)
    with store.write() as conn:
        store.save_version(conn, "purchase-order", "PO", DOCUMENT, "h1", "ana", now)
        store.insert_instance(conn, snap, "ana", now)
    return snap


def test_saving_the_same_content_twice_gives_one_version(store, now):
    with store.write() as conn:
        def save(content_hash: str, actor: str) -> tuple[int, bool]:
            return store.save_version(conn, "purchase-order", "PO", DOCUMENT, content_hash,
                                      actor, now)

        assert save("h1", "ana") == (1, False)
        assert save("h1", "bo") == (1, True)
        assert save("h2", "bo") == (2, False)
    with store.read() as conn:
        assert store.version_row(conn, "purchase-order", None).version == 2
        assert store.version_row(conn, "purchase-order", 1).published_by == "ana"
        assert store.version_row(conn, "purchase-order", 3) is None


def test_appended_events_are_chained_and_the_projection_follows(store, now):
    before = _instance(store, now)
    after = Snapshot(id="po-1", definition="purchase-order", version=1, state="draft", seq=2,
                     entered_seq=2, variables={"total": 120.5})
    events = [NewEvent("instance_started", {"variables": {}}),
              NewEvent("transition", {"from": None, "to": "draft"})]
    with store.write() as conn:
        last = store.append(conn, before, GENESIS_HASH, 0, after, events, "ana", now)
    with store.read() as conn:
        rows = store.event_rows(conn, "po-1")
        row = store.instance_row(conn, "po-1")
    assert [r.seq for r in rows] == [1, 2]
    assert rows[0].prev_hash == GENESIS_HASH and rows[1].prev_hash == rows[0].hash
    assert (row.state, row.last_seq, row.last_hash, row.row_version) == ("draft", 2, last, 1)
    assert row.variables == {"total": 120.5}


def test_a_writer_with_a_stale_row_version_is_refused(store, now):
    before = _instance(store, now)
    after = Snapshot(id="po-1", definition="purchase-order", version=1, state="a", seq=1)
    with store.write() as conn:
        store.append(conn, before, GENESIS_HASH, 0, after, [NewEvent("x", {})], "ana", now)
    with pytest.raises(ConcurrencyError), store.write() as conn:
        store.append(conn, before, GENESIS_HASH, 0, after, [NewEvent("x", {})], "bo", now)
    with store.read() as conn:
        assert len(store.event_rows(conn, "po-1")) == 1


def test_two_workers_never_lease_the_same_job_and_expired_leases_come_back(store, now):
    _instance(store, now)
    with store.write() as conn:
        for n in range(3):
            store.schedule_job(conn, f"po-1:{n}", "po-1", "timer", now, {"n": n}, now)
        store.schedule_job(conn, "po-1:later", "po-1", "timer", now + timedelta(hours=1), {}, now)
    until = now + timedelta(seconds=30)
    with store.write() as conn:
        first = store.lease_jobs(conn, "worker-a", now, until, limit=2)
    with store.write() as conn:
        second = store.lease_jobs(conn, "worker-b", now, until, limit=10)
    assert len(first) == 2 and len(second) == 1
    assert {j.id for j in first}.isdisjoint({j.id for j in second})
    assert all(j.attempt == 1 for j in first + second)
    with store.write() as conn:
        assert store.lease_jobs(conn, "worker-c", now, until, limit=10) == []
        assert store.holds_lease(conn, first[0].id, "worker-a")
        assert not store.holds_lease(conn, first[0].id, "worker-b")
    later = now + timedelta(seconds=31)  # worker-a crashed: its leases ran out
    with store.write() as conn:
        again = store.lease_jobs(conn, "worker-c", later, later + timedelta(seconds=30), 10)
    assert {j.id for j in again} == {j.id for j in first + second}
    assert all(j.attempt == 2 and j.leased_by == "worker-c" for j in again)


def test_cancelled_and_finished_jobs_are_not_leased(store, now):
    _instance(store, now)
    with store.write() as conn:
        store.schedule_job(conn, "po-1:1", "po-1", "action", now, {}, now)
        store.schedule_job(conn, "po-1:2", "po-1", "action", now, {}, now)
        store.cancel_job(conn, "po-1:1")
    with store.write() as conn:
        (job,) = store.lease_jobs(conn, "w", now, now + timedelta(seconds=5), 10)
        store.finish_job(conn, job.id)
    later = now + timedelta(minutes=5)
    with store.write() as conn:
        assert store.lease_jobs(conn, "w", later, later, 10) == []
    with store.read() as conn:
        query = t.jobs.select().with_only_columns(t.jobs.c.id, t.jobs.c.state)
        states = {row.id: row.state for row in conn.execute(query)}
    assert states == {"po-1:1": "cancelled", "po-1:2": "done"}


def test_idempotency_results_are_remembered_per_scope(store, now):
    with store.write() as conn:
        store.remember(conn, "start", "k1", {"instance_id": "po-1"}, now)
    with store.read() as conn:
        assert store.remembered(conn, "start", "k1") == {"instance_id": "po-1"}
        assert store.remembered(conn, "send:po-1", "k1") is None


def test_an_unreachable_or_unknown_database_is_a_clear_error():
    from runtime import StoreUnavailable

    with pytest.raises(StoreUnavailable, match="not a database URL"):
        open_store("statewright.db")
    with pytest.raises(StoreUnavailable, match="unsupported database 'mysql'"):
        open_store("mysql://localhost/x")
    with pytest.raises(StoreUnavailable, match="cannot open"):
        open_store("sqlite:////nonexistent-dir/x/statewright.db")
