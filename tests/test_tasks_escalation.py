"""SLA and escalation of human tasks, with a hand-moved clock (never real sleeps)."""

from __future__ import annotations

from test_tasks import ADMIN, ANA, SENIOR, _claim, _task_of

from runtime import Engine, ManualClock
from runtime.people.tasks.housekeeping import run_once


def test_a_task_past_due_is_re_offered_to_the_escalation_role_with_raised_priority(
        engine: Engine, clock: ManualClock) -> None:
    iid = _claim(engine)
    task_id = _task_of(engine, iid)
    engine.tasks.claim(task_id, ANA)
    clock.advance(3599)
    assert engine.tasks.sweep() == 0
    assert engine.tasks.list(ANA, overdue=True).total == 0
    clock.advance(2)
    assert engine.tasks.sweep() == 1
    task = engine.tasks.get(task_id, SENIOR)
    assert (task.role, task.assignee, task.priority, task.overdue, task.escalated) == (
        "senior-underwriter", None, "urgent", True, True)
    assert engine.tasks.list(SENIOR, overdue=True).total == 1
    assert engine.tasks.list(ANA).total == 0  # no longer hers
    assert engine.tasks.sweep() == 0  # idempotent: nothing twice
    events = [e for e in engine.history(iid) if e.type == "task_escalated"]
    assert len(events) == 1 and events[0].data["to_role"] == "senior-underwriter"
    assert events[0].actor == "system"
    [row] = engine.tasks.metrics()
    assert row["escalated"] == 1
    engine.tasks.claim(task_id, SENIOR)
    engine.tasks.complete(task_id, SENIOR, "approve", {"decision_note": "late but fine"})
    assert engine.get(iid).status == "completed"
    assert engine.verify_audit().ok


def test_a_restart_across_the_due_time_misses_nothing(db_url: str) -> None:
    clock = ManualClock()
    with Engine(db_url, clock=clock) as first:
        iid = _claim(first)
        task_id = _task_of(first, iid)
    clock.advance(7200)  # nothing ran while the due time passed
    with Engine(db_url, clock=clock) as second:
        assert run_once(second) == (1, 0)
        task = second.tasks.get(task_id, SENIOR)
        assert task.escalated and task.role == "senior-underwriter"
        assert run_once(second) == (0, 0)


def test_a_task_without_escalation_is_only_marked_overdue(
        engine: Engine, clock: ManualClock) -> None:
    from test_tasks import CLAIM_REVIEW

    doc = {**CLAIM_REVIEW, "key": "plain-review", "states": [
        {k: v for k, v in s.items() if k != "escalate_to"} for s in CLAIM_REVIEW["states"]]}
    engine.publish(doc)
    iid = engine.start("plain-review", {"amount": 1})
    task_id = _task_of(engine, iid)
    clock.advance(4000)
    assert engine.tasks.sweep() == 1
    task = engine.tasks.get(task_id, ANA)
    assert (task.overdue, task.escalated, task.role, task.priority) == (
        True, False, "underwriter", "high")
    assert "task_escalated" not in [e.type for e in engine.history(iid)]


def test_the_runner_sweeps_in_the_background(engine: Engine, clock: ManualClock) -> None:
    import time

    from runtime import Runner

    task_id = _task_of(engine, _claim(engine))
    clock.advance(3601)
    runner = Runner(engine).start()
    try:
        for _ in range(100):  # the first round runs at once; poll for its commit
            if engine.tasks.get(task_id, ADMIN).escalated:
                break
            time.sleep(0.05)
    finally:
        runner.stop()
    assert engine.tasks.get(task_id, SENIOR).escalated
