"""Change notifications (`engine.changes`): published after commit only (SQLite, PostgreSQL)."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
from sqlalchemy import Connection

from runtime import Engine
from runtime.core.errors import EngineError
from runtime.operations import perform
from runtime.people.tasks import Caller
from runtime.store.changes import Change, ChangeHub

ANA = Caller("ana", frozenset({"underwriter"}))


def reviewing(engine: Engine, loan: dict[str, Any]) -> str:
    engine.publish(loan)
    engine.action("credit_score")(lambda ctx: {"score": 700})
    iid = engine.start("loan-approval", {"amount": 50_000}, actor="ana")
    engine.run_until_idle()
    assert engine.get(iid).state == "review"
    return iid


def test_a_subscriber_hears_each_committed_step_and_sees_it_stored(engine, loan_approval):
    engine.publish(loan_approval)
    engine.action("credit_score")(lambda ctx: {"score": 700})
    heard: list[tuple[Change, int, str | None]] = []

    def on_change(change: Change) -> None:  # reads through its own connection
        stored = engine.get(change.instance_id)
        heard.append((change, stored.last_seq, stored.state))

    engine.changes.subscribe(on_change)
    iid = engine.start("loan-approval", {"amount": 50_000}, actor="ana")
    assert heard, "start must be published before `start` returns"
    first, stored_seq, stored_state = heard[0]
    assert (first.instance_id, first.definition, first.version) == (iid, "loan-approval", 1)
    assert first.event_types[0] == "instance_started"
    assert (first.seq, first.state) == (stored_seq, stored_state), "published before commit"
    engine.run_until_idle()
    last, stored_seq, _ = heard[-1]
    assert (last.state, last.status, last.seq) == ("review", "running", stored_seq)
    assert "task_created" in last.event_types
    assert all(change.seq == seq for change, seq, _ in heard)


def test_a_rolled_back_transaction_publishes_nothing(engine, loan_approval):
    engine.publish(loan_approval)
    heard: list[Change] = []
    engine.changes.subscribe(heard.append)

    def start_then_fail(conn: Connection) -> None:
        engine.start_in(conn, "loan-approval", None, {"amount": 1}, "ana",
                        instance_id="doomed")
        raise RuntimeError("the disk is on fire")

    with pytest.raises(RuntimeError):
        engine.writer.submit(start_then_fail)
    with pytest.raises(EngineError):
        engine.get("doomed")
    assert heard == []


def test_a_refused_event_publishes_nothing(engine, loan_approval):
    iid = reviewing(engine, loan_approval)
    heard: list[Change] = []
    engine.changes.subscribe(heard.append)
    with pytest.raises(EngineError):
        engine.send(iid, "no-such-event")
    assert heard == []


def test_unsubscribe_stops_the_calls(engine, loan_approval):
    iid = reviewing(engine, loan_approval)
    heard: list[Change] = []
    unsubscribe = engine.changes.subscribe(heard.append)
    engine.send(iid, "pause")
    assert [c.state for c in heard] == ["cooldown"]
    unsubscribe()
    unsubscribe()  # twice is harmless
    engine.clock.advance(601)
    engine.run_until_idle()
    assert engine.get(iid).state == "review" and len(heard) == 1


def test_a_failing_subscriber_neither_breaks_the_engine_nor_the_others(
        engine, loan_approval, caplog):
    iid = reviewing(engine, loan_approval)
    heard: list[Change] = []

    def broken(change: Change) -> None:
        raise ValueError("subscriber bug")

    engine.changes.subscribe(broken)
    engine.changes.subscribe(heard.append)
    with caplog.at_level(logging.ERROR, logger="runtime.store.changes"):
        assert engine.send(iid, "approve").state == "approved"
    assert [c.status for c in heard] == ["completed"]
    assert "subscriber bug" in caplog.text


def test_task_claims_delegations_and_completions_are_changes(engine, loan_approval):
    iid = reviewing(engine, loan_approval)
    heard: list[Change] = []
    engine.changes.subscribe(heard.append)
    task = engine.tasks.list(ANA).items[0]
    engine.tasks.claim(task.id, ANA)
    engine.tasks.delegate(task.id, ANA, to_user="ben")
    ben = Caller("ben", frozenset({"underwriter"}))
    engine.tasks.complete(task.id, ben, "approve")
    assert [c.event_types[0] for c in heard] == ["task_claimed", "task_delegated",
                                                 "task_completed"]
    assert heard[-1].instance_id == iid and heard[-1].state == "approved"


def test_one_group_commit_publishes_one_change_per_instance(engine, loan_approval):
    engine.publish(loan_approval)
    engine.action("credit_score")(lambda ctx: {"score": 700})
    ids = [engine.start("loan-approval", {"amount": 50_000}) for _ in range(8)]
    engine.run_until_idle()
    heard: list[Change] = []
    lock = threading.Lock()

    def on_change(change: Change) -> None:
        with lock:
            heard.append(change)

    engine.changes.subscribe(on_change)
    threads = [threading.Thread(target=engine.send, args=(iid, "pause")) for iid in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(c.instance_id for c in heard) == sorted(ids)
    assert all(c.state == "cooldown" and c.event_types[0] == "transition" for c in heard)


def test_the_hub_feeds_changes_from_any_source():
    """The seam a LISTEN/NOTIFY bridge would use: publish decoded changes on the local hub."""
    hub, heard = ChangeHub(), []
    hub.subscribe(heard.append)
    change = Change("i-1", "loan-approval", 2, "review", "running", ("transition",), 7)
    hub.publish([change])
    assert heard == [change]


def test_a_migration_is_published_with_the_version_it_moved_to(engine, loan_approval):
    iid = reviewing(engine, loan_approval)
    loan_approval["states"][3]["sla_s"] = 3600
    engine.publish(loan_approval)
    heard: list[Change] = []
    engine.changes.subscribe(heard.append)
    perform(engine, iid, "migrate", "shorter SLA", actor="olga", version=2)
    assert [(c.version, c.event_types) for c in heard] == [(2, ("migrated",))]
