"""Human tasks: an underwriter's inbox, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest

from runtime import Engine, ManualClock
from runtime.people.tasks import Caller, FormInvalid, OutcomeInvalid, TaskConflict, TaskForbidden

ANA = Caller("ana", frozenset({"underwriter"}))
BEN = Caller("ben", frozenset({"underwriter"}))
CARL = Caller("carl", frozenset({"clerk"}))
SENIOR = Caller("sam", frozenset({"senior-underwriter"}))
ADMIN = Caller("root", frozenset({"admin"}))

CLAIM_REVIEW: dict[str, Any] = {
    "schema": "statewright/v1",
    "key": "claim-review",
    "name": "Insurance claim review",
    "variables": [
        {"name": "amount", "type": "number", "required": True},
        {"name": "decision_note", "type": "string"},
        {"name": "payout", "type": "number"},
        {"name": "category", "type": "string"},
    ],
    "states": [
        {"id": "filed", "type": "start"},
        {"id": "review", "type": "human", "name": "Review the claim", "role": "underwriter",
         "sla_s": 3600, "escalate_to": "senior-underwriter", "priority": "high",
         "form": [
             {"name": "decision_note", "type": "string", "required": True},
             {"name": "payout", "type": "number"},
             {"name": "category", "type": "string", "options": ["car", "home"]},
         ]},
        {"id": "paid", "type": "end", "outcome": "completed"},
        {"id": "refused", "type": "end", "outcome": "failed"},
    ],
    "transitions": [
        {"from": "filed", "to": "review"},
        {"from": "review", "to": "paid", "on": "approve"},
        {"from": "review", "to": "refused", "on": "reject"},
    ],
}


def _claim(engine: Engine, amount: float = 900.0) -> str:
    engine.publish(CLAIM_REVIEW)
    return engine.start("claim-review", {"amount": amount}, actor="intake")


def _task_of(engine: Engine, iid: str) -> str:
    page = engine.tasks.list(ADMIN, state="open")
    return next(t.id for t in page.items if t.instance_id == iid)


def test_entering_a_human_state_creates_its_task_with_the_transition(
        engine: Engine, clock: ManualClock) -> None:
    iid = _claim(engine)
    task = engine.tasks.get(_task_of(engine, iid), ANA)
    assert (task.role, task.priority, task.state, task.human_state) == (
        "underwriter", "high", "open", "review")
    assert task.due_at == clock.now() + timedelta(seconds=3600)
    assert task.outcomes == ["approve", "reject"]
    assert [f["name"] for f in task.form] == ["decision_note", "payout", "category"]
    types = [e.type for e in engine.history(iid)]
    assert types[-1] == "task_created" and types[-2] == "transition"


def test_an_underwriter_claims_and_completes_and_the_claim_moves_on(engine: Engine) -> None:
    iid = _claim(engine)
    task_id = _task_of(engine, iid)
    assert engine.tasks.claim(task_id, ANA).assignee == "ana"
    done = engine.tasks.complete(task_id, ANA, "approve",
                                 {"decision_note": "fine", "payout": 850, "category": "car"})
    assert (done.state, done.outcome, done.completed_by) == ("completed", "approve", "ana")
    inst = engine.get(iid)
    assert (inst.state, inst.status) == ("paid", "completed")
    assert inst.variables["payout"] == 850 and inst.variables["decision_note"] == "fine"
    types = [e.type for e in engine.history(iid)]
    assert types.index("task_claimed") < types.index("task_completed")
    assert engine.verify_audit().ok


def test_two_underwriters_race_to_claim_and_exactly_one_wins(engine: Engine) -> None:
    task_id = _task_of(engine, _claim(engine))
    results: dict[str, str] = {}
    barrier = threading.Barrier(2)

    def grab(who: Caller) -> None:
        barrier.wait()
        try:
            engine.tasks.claim(task_id, who)
            results[who.name] = "won"
        except TaskConflict as exc:
            results[who.name] = exc.message

    threads = [threading.Thread(target=grab, args=(w,)) for w in (ANA, BEN)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(results.values()).count("won") == 1
    loser_message = next(v for v in results.values() if v != "won")
    assert "already claimed by" in loser_message
    assert [e.type for e in engine.history(_instance(engine, task_id))].count("task_claimed") == 1


def _instance(engine: Engine, task_id: str) -> str:
    return engine.tasks.get(task_id, ADMIN).instance_id


def test_someone_without_the_role_can_neither_see_nor_complete(engine: Engine) -> None:
    task_id = _task_of(engine, _claim(engine))
    assert engine.tasks.list(CARL).total == 0
    with pytest.raises(TaskForbidden, match="for role 'underwriter'"):
        engine.tasks.get(task_id, CARL)
    with pytest.raises(TaskForbidden):
        engine.tasks.claim(task_id, CARL)
    with pytest.raises(TaskForbidden):
        engine.tasks.complete(task_id, CARL, "approve", {"decision_note": "x"})
    assert engine.tasks.list(ANA).total == 1
    with pytest.raises(TaskConflict, match="claim it before"):
        engine.tasks.complete(task_id, ANA, "approve", {"decision_note": "x"})


def test_invalid_form_data_names_each_field_and_changes_nothing(engine: Engine) -> None:
    iid = _claim(engine)
    task_id = _task_of(engine, iid)
    engine.tasks.claim(task_id, ANA)
    seq = engine.get(iid).last_seq
    with pytest.raises(FormInvalid) as refused:
        engine.tasks.complete(task_id, ANA, "approve",
                              {"payout": "lots", "category": "boat", "colour": "red"})
    fields = refused.value.details["fields"]
    assert set(fields) == {"decision_note", "payout", "category", "colour"}
    assert fields["decision_note"] == "is required"
    assert "number" in fields["payout"] and "'car'" in fields["category"]
    with pytest.raises(OutcomeInvalid, match="approve, reject"):
        engine.tasks.complete(task_id, ANA, "shrug", {"decision_note": "x"})
    inst = engine.get(iid)
    assert (inst.state, inst.last_seq) == ("review", seq)
    assert engine.tasks.get(task_id, ANA).state == "claimed"


def test_a_delegation_chain_ends_with_the_last_delegate(engine: Engine) -> None:
    iid = _claim(engine)
    task_id = _task_of(engine, iid)
    engine.tasks.claim(task_id, ANA)
    task = engine.tasks.delegate(task_id, ANA, to_user="ben")
    assert (task.assignee, task.delegated_by) == ("ben", "ana")
    with pytest.raises(TaskConflict, match="claimed by 'ben'"):
        engine.tasks.complete(task_id, ANA, "approve", {"decision_note": "x"})
    task = engine.tasks.delegate(task_id, BEN, to_role="senior-underwriter")
    assert (task.role, task.assignee, task.state) == ("senior-underwriter", None, "open")
    with pytest.raises(TaskForbidden):
        engine.tasks.get(task_id, BEN)  # it left his role
    engine.tasks.claim(task_id, SENIOR)
    engine.tasks.unclaim(task_id, SENIOR)
    engine.tasks.claim(task_id, SENIOR)
    engine.tasks.complete(task_id, SENIOR, "reject", {"decision_note": "fraud"})
    assert engine.get(iid).state == "refused"
    types = [e.type for e in engine.history(iid)]
    assert types.count("task_delegated") == 2 and "task_unclaimed" in types
    assert engine.verify_audit().ok


def test_a_state_that_forbids_delegation_refuses_it(engine: Engine) -> None:
    doc = {**CLAIM_REVIEW, "key": "strict-review", "states": [
        {**s, "allow_delegation": False} if s["id"] == "review" else s
        for s in CLAIM_REVIEW["states"]]}
    engine.publish(doc)
    iid = engine.start("strict-review", {"amount": 1})
    task_id = _task_of(engine, iid)
    engine.tasks.claim(task_id, ANA)
    with pytest.raises(TaskConflict, match="does not allow delegating"):
        engine.tasks.delegate(task_id, ANA, to_user="ben")


def test_the_queue_orders_by_priority_then_due_time_then_age(
        engine: Engine, clock: ManualClock) -> None:
    low = {**CLAIM_REVIEW, "key": "small-claims", "states": [
        {**s, "priority": "low", "sla_s": 60} if s["id"] == "review" else s
        for s in CLAIM_REVIEW["states"]]}
    engine.publish(CLAIM_REVIEW)
    engine.publish(low)
    first = engine.start("claim-review", {"amount": 1})
    clock.advance(10)
    small = engine.start("small-claims", {"amount": 1})
    second = engine.start("claim-review", {"amount": 2})
    order = [t.instance_id for t in engine.tasks.list(ANA).items]
    assert order == [first, second, small]
    page = engine.tasks.list(ANA, definition="small-claims", limit=1)
    assert (page.total, [t.instance_id for t in page.items]) == (1, [small])
    assert engine.tasks.list(ANA, limit=1, offset=1).items[0].instance_id == second


def test_metrics_are_kept_by_role_and_state_as_tasks_move(
        engine: Engine, clock: ManualClock) -> None:
    task_id = _task_of(engine, _claim(engine))
    clock.advance(120)
    engine.tasks.claim(task_id, ANA)
    clock.advance(180)
    engine.tasks.complete(task_id, ANA, "approve", {"decision_note": "ok"})
    [row] = engine.tasks.metrics("claim-review")
    assert (row["state"], row["role"], row["created"], row["claimed"], row["completed"]) == (
        "review", "underwriter", 1, 1, 1)
    assert (row["claim_seconds_avg"], row["complete_seconds_avg"]) == (120.0, 300.0)


def test_sending_the_outcome_event_directly_completes_the_task(
        engine: Engine) -> None:
    iid = _claim(engine)
    task_id = _task_of(engine, iid)
    engine.send(iid, "reject", {}, actor="operator")
    task = engine.tasks.get(task_id, ADMIN)
    assert (task.state, task.outcome) == ("completed", "reject")


def test_two_processes_race_to_claim_and_exactly_one_wins(db_url: str) -> None:
    """Two engines (as two `serve` processes would) on one database, one claim each."""
    with Engine(db_url) as first, Engine(db_url) as second:
        task_id = _task_of(first, _claim(first))
        outcomes: list[str] = []
        barrier = threading.Barrier(2)

        def grab(engine: Engine, who: Caller) -> None:
            barrier.wait()
            try:
                engine.tasks.claim(task_id, who)
                outcomes.append(who.name)
            except TaskConflict:
                outcomes.append("409")

        threads = [threading.Thread(target=grab, args=pair)
                   for pair in ((first, ANA), (second, BEN))]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert sorted(outcomes)[0] == "409" and len(outcomes) == 2
        winner = next(o for o in outcomes if o != "409")
        assert first.tasks.get(task_id, ADMIN).assignee == winner
        assert first.verify_audit().ok
