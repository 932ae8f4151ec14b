"""Changes committed by another engine on the same database reach this engine's subscribers,
once; its own are not delivered twice (SQLite: the log watch; PostgreSQL: LISTEN/NOTIFY).

Two `Engine` objects on one database stand in for `serve` and `worker`: each has its own
hub, writer, worker id and feed, exactly as two processes would.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import Connection

from runtime import Engine, ManualClock
from runtime.store import open_store
from runtime.store.changes import Change, ChangeHub
from runtime.store.sqlite_watch import POLL_S

SETTLE_S = 3 * POLL_S + 0.2  # long enough for a late duplicate to show up


class Heard:
    """What a hub delivered, thread-safe (feeds publish on their own threads)."""

    def __init__(self, engine: Engine) -> None:
        self._lock = threading.Lock()
        self.changes: list[Change] = []
        engine.changes.subscribe(self._add)

    def _add(self, change: Change) -> None:
        with self._lock:
            self.changes.append(change)

    def of(self, instance_id: str) -> list[Change]:
        with self._lock:
            return [c for c in self.changes if c.instance_id == instance_id]

    def wait_for(self, done: Callable[[], bool], what: str, timeout_s: float = 10) -> None:
        deadline = time.monotonic() + timeout_s
        while not done():
            assert time.monotonic() < deadline, f"never heard {what}: {self.changes}"
            time.sleep(0.02)


@pytest.fixture
def two_engines(db_url: str, loan_approval: dict[str, Any]
                ) -> Iterator[tuple[Engine, Engine]]:
    """`a` (say, a worker) and `b` (say, a server) on one database."""
    with Engine(db_url, clock=ManualClock()) as a, Engine(db_url, clock=ManualClock()) as b:
        a.publish(loan_approval)
        a.action("credit_score")(lambda ctx: {"score": 700})
        assert a.worker_id != b.worker_id
        yield a, b


def test_a_change_committed_by_one_engine_reaches_the_others_subscribers_once(two_engines):
    a, b = two_engines
    heard_a, heard_b = Heard(a), Heard(b)  # a follows too: it must not hear itself twice
    assert a.follow_other_processes() and b.follow_other_processes()
    iid = a.start("loan-approval", {"amount": 50_000}, actor="ana")
    a.run_until_idle()
    stored = a.get(iid)
    heard_b.wait_for(lambda: any(c.seq == stored.last_seq for c in heard_b.of(iid)),
                     "the step into review")
    time.sleep(SETTLE_S)
    last = heard_b.of(iid)[-1]
    assert (last.definition, last.version, last.state, last.status) == (
        "loan-approval", 1, "review", "running")
    assert "task_created" in last.event_types
    seqs_b = [c.seq for c in heard_b.of(iid)]
    assert seqs_b == sorted(set(seqs_b)), "b heard a change twice"
    heard_types = [t for c in heard_b.of(iid) for t in c.event_types]
    assert heard_types == [e.type for e in a.history(iid)], "every event, once, in order"
    own = [c.seq for c in heard_a.of(iid)]
    assert own == sorted(set(own)) and own[-1] == stored.last_seq, "a heard itself twice"


def test_changes_flow_both_ways(two_engines):
    a, b = two_engines
    heard_a, heard_b = Heard(a), Heard(b)
    assert a.follow_other_processes() and b.follow_other_processes()
    iid = a.start("loan-approval", {"amount": 50_000})
    a.run_until_idle()
    b.send(iid, "pause", actor="olga")  # the server's operator acts; the worker hears it
    heard_a.wait_for(lambda: any(c.state == "cooldown" for c in heard_a.of(iid)), "the pause")
    time.sleep(SETTLE_S)
    assert [c.event_types for c in heard_a.of(iid) if c.state == "cooldown"] == [
        ("transition", "timer_set")]
    assert [c.state for c in heard_b.of(iid)].count("cooldown") == 1


def test_a_rolled_back_transaction_is_not_heard_elsewhere(two_engines):
    a, b = two_engines
    heard_b = Heard(b)
    assert b.follow_other_processes()

    def start_then_fail(conn: Connection) -> None:
        a.start_in(conn, "loan-approval", None, {"amount": 1}, "ana", instance_id="doomed")
        raise RuntimeError("the disk is on fire")

    with pytest.raises(RuntimeError):
        a.writer.submit(start_then_fail)
    kept = a.start("loan-approval", {"amount": 1})  # a later commit: the feed has moved on
    heard_b.wait_for(lambda: heard_b.of(kept), "the later start")
    assert heard_b.of("doomed") == []


def test_a_transaction_of_many_instances_arrives_whole(two_engines):
    """One group commit of 150 starts: PostgreSQL splits it over several notifications
    (8000-byte payload limit); the SQLite watch reads it in one snapshot."""
    a, b = two_engines
    heard_b = Heard(b)
    assert b.follow_other_processes()

    def start_many(conn: Connection) -> list[str]:
        return [a.start_in(conn, "loan-approval", None, {"amount": 1}, "ana")
                for _ in range(150)]

    ids = a.writer.submit(start_many)
    heard_b.wait_for(lambda: {c.instance_id for c in heard_b.changes} >= set(ids),
                     "every start")
    time.sleep(SETTLE_S)
    counts = Counter(c.instance_id for c in heard_b.changes)
    assert all(counts[i] == 1 for i in ids)
    assert {c.state for c in heard_b.changes} == {"score"}


def test_the_feed_starts_with_the_first_subscriber(two_engines):
    a, b = two_engines
    assert not b.change_feed.wait_ready(0.3), "nobody listens yet: nothing should watch"
    heard_b = Heard(b)
    assert b.change_feed.wait_ready(5)
    iid = a.start("loan-approval", {"amount": 1})
    heard_b.wait_for(lambda: heard_b.of(iid), "the start")


@pytest.mark.postgres
def test_deployments_in_two_schemas_do_not_hear_each_other(postgres_url, postgres_server,
                                                           loan_approval):
    """NOTIFY channels are database-wide; the feed's channel is per schema."""
    other = f"sw_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{other}"')
    try:
        other_url = f"{postgres_server}?options=-csearch_path%3D{other}"
        with Engine(postgres_url) as a, Engine(other_url) as b:
            assert a.change_feed.channel != b.change_feed.channel
            heard_b = Heard(b)
            assert b.follow_other_processes()
            a.publish(loan_approval)
            iid = a.start("loan-approval", {"amount": 1})
            time.sleep(0.5)
            assert heard_b.of(iid) == []
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{other}" CASCADE')


@pytest.mark.postgres
def test_due_work_wakes_the_runners_of_the_same_schema_only(postgres_url, postgres_server):
    """The jobs channel is per schema as well: a busy deployment next door does not keep an
    idle server's runner leasing."""
    other = f"sw_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{other}"')
    stores = [open_store(postgres_url), open_store(postgres_url),
              open_store(f"{postgres_server}?options=-csearch_path%3D{other}")]
    try:
        listening, same, elsewhere = stores
        woken = threading.Event()
        listening.listen_for_jobs(woken)
        deadline = time.monotonic() + 10
        while not woken.is_set():  # until the LISTEN is in effect
            assert time.monotonic() < deadline, "never woken by the same schema"
            with same.write() as conn:
                same.jobs_due(conn)
            woken.wait(0.2)
        woken.clear()
        with elsewhere.write() as conn:
            elsewhere.jobs_due(conn)
        assert not woken.wait(1.0)
    finally:
        for store in stores:
            store.close()
        with psycopg.connect(postgres_server, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{other}" CASCADE')


def _change(iid: str, seq: int, **extra: Any) -> Change:
    fields = {"definition": "loan-approval", "version": 1, "state": "review",
              "status": "running", "event_types": ("transition",), **extra}
    return Change(iid, seq=seq, **fields)


def test_a_tracking_hub_delivers_each_instance_seq_once_whoever_publishes_it_first():
    hub, heard = ChangeHub(), []
    hub.subscribe(heard.append)
    delivered = hub.track_deliveries()
    hub.publish([_change("i-1", 4)])  # the watch read it before the writer published it
    hub.publish([_change("i-1", 4), _change("i-2", 2)])  # the writer, after commit
    hub.publish([_change("i-1", 3)])  # older than what subscribers know already
    assert [(c.instance_id, c.seq) for c in heard] == [("i-1", 4), ("i-2", 2)]
    delivered.next_round()
    assert delivered.seq("i-1") == 4  # kept for one more round
    delivered.next_round()
    assert delivered.seq("i-1") == 0  # the watch has read past it: forgotten


def test_notification_payloads_stay_under_the_limit_and_decode_to_the_changes():
    from runtime.store.pg_changes import MAX_PAYLOAD, decode, encode

    changes = [_change(str(uuid.uuid4()), n, event_types=("transition", "task_created"))
               for n in range(1, 200)]
    many_events = _change("busy", 900, event_types=("transition", "variables_set") * 600)
    payloads = encode("host:42:abcd", [*changes, many_events])
    assert len(payloads) > 1 and all(len(p.encode()) < MAX_PAYLOAD for p in payloads)
    origins, decoded = set(), []
    for payload in payloads:
        origin, part = decode(payload)
        origins.add(origin)
        decoded += part
    assert origins == {"host:42:abcd"}
    assert decoded[:-1] == changes
    assert decoded[-1] == _change("busy", 900, event_types=("transition", "variables_set"))
    with pytest.raises(ValueError):
        decode('{"o": "x"}')
