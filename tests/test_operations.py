"""Operator actions through the engine API: each needs a reason, is logged with actor and
reason, is refused in the wrong status, and keeps the audit chain and projection sound."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.core.errors import EngineError
from runtime.operations import perform, perform_batch


def reviewing(engine: Any, loan: dict[str, Any], amount: int = 50_000) -> str:
    """An instance waiting in human review (or, for a small amount, completed at once)."""
    engine.publish(loan)
    engine.action("credit_score")(lambda ctx: {"score": 700})
    iid = engine.start("loan-approval", {"amount": amount}, actor="ana")
    engine.run_until_idle()
    assert engine.get(iid).state == ("review" if amount >= 10_000 else "approved")
    return iid


def last(engine: Any, iid: str) -> Any:
    return engine.history(iid)[-1]


def test_suspend_and_resume_are_logged_and_block_events(engine, loan_approval):
    iid = reviewing(engine, loan_approval)
    inst = perform(engine, iid, "suspend", "customer asked to wait", actor="olga")
    assert inst.status == "suspended"
    event = last(engine, iid)
    assert (event.type, event.actor, event.data["reason"]) == (
        "suspended", "olga", "customer asked to wait")
    with pytest.raises(EngineError) as refused:
        engine.send(iid, "approve")
    assert refused.value.status == 409
    assert perform(engine, iid, "resume", "go on", actor="olga").status == "running"
    assert engine.send(iid, "approve").state == "approved"
    assert engine.verify_audit().ok


def test_a_suspended_action_does_not_run_until_resumed(engine, loan_approval, clock):
    engine.publish(loan_approval)
    calls: list[int] = []
    engine.action("credit_score")(lambda ctx: calls.append(ctx.attempt) or {"score": 1})
    iid = engine.start("loan-approval", {"amount": 5000})
    perform(engine, iid, "suspend", "hold on")
    engine.run_until_idle()
    assert calls == [] and engine.get(iid).state == "score"
    perform(engine, iid, "resume", "carry on")
    engine.run_until_idle()
    assert calls == [1] and engine.get(iid).status == "completed"


@pytest.mark.parametrize(("operation", "status"), [
    ("resume", "running"), ("retry", "running"), ("suspend", "completed"),
    ("cancel", "completed")])
def test_an_operation_in_the_wrong_status_is_refused_with_a_clear_message(
        engine, loan_approval, operation, status):
    iid = reviewing(engine, loan_approval, amount=50_000 if status == "running" else 5)
    assert engine.get(iid).status == status
    with pytest.raises(EngineError) as refused:
        perform(engine, iid, operation, "because")
    assert refused.value.status == 409
    assert f"cannot {operation}" in refused.value.message and status in refused.value.message


def test_every_operation_needs_a_reason(engine, loan_approval):
    iid = reviewing(engine, loan_approval)
    for reason in (None, "", "   "):
        with pytest.raises(EngineError) as refused:
            perform(engine, iid, "suspend", reason)
        assert refused.value.status == 422 and "reason" in refused.value.message
    with pytest.raises(EngineError) as unknown:
        perform(engine, iid, "explode", "why not")
    assert unknown.value.status == 404 and "suspend" in unknown.value.message


def test_cancel_stops_the_instance_and_its_timer(engine, loan_approval, clock):
    iid = reviewing(engine, loan_approval)
    engine.send(iid, "request_docs")
    inst = perform(engine, iid, "cancel", "duplicate application", actor="olga")
    assert inst.status == "cancelled"
    clock.advance(7200)
    engine.run_until_idle()  # the wait's timeout does not fire any more
    assert engine.get(iid).state == "wait_docs" and last(engine, iid).type == "cancelled"


def test_move_enters_any_state_and_does_what_entering_it_does(engine, loan_approval, clock):
    iid = reviewing(engine, loan_approval)
    inst = perform(engine, iid, "move", "re-score", actor="olga", to="score")
    assert (inst.state, inst.status) == ("score", "running")
    types = [e.type for e in engine.history(iid)][-3:]
    assert types == ["moved", "transition", "action_started"]
    engine.run_until_idle()
    assert engine.get(iid).state == "review"
    with pytest.raises(EngineError) as bad:
        perform(engine, iid, "move", "nowhere", to="nowhere")
    assert bad.value.status == 422 and "review" in bad.value.message
    assert engine.verify_audit().ok


def test_set_vars_checks_types_and_logs_the_reason(engine, loan_approval):
    iid = reviewing(engine, loan_approval)
    inst = perform(engine, iid, "set-vars", "typo", actor="olga", variables={"amount": 42})
    assert inst.variables["amount"] == 42
    assert last(engine, iid).data == {"values": {"amount": 42}, "reason": "typo"}
    with pytest.raises(EngineError) as bad:
        perform(engine, iid, "set-vars", "typo", variables={"amount": "lots"})
    assert bad.value.status == 422


def test_retry_runs_an_exhausted_action_again(engine, loan_approval):
    loan_approval["transitions"] = [t for t in loan_approval["transitions"]
                                    if t.get("on") != "error"]
    loan_approval["states"][1]["retry"] = {"max_attempts": 1}
    engine.publish(loan_approval)
    answers = iter([RuntimeError("bureau down"), {"score": 1}])

    def credit_score(ctx: Any) -> dict[str, Any]:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    engine.action("credit_score")(credit_score)
    iid = engine.start("loan-approval", {"amount": 5000})
    engine.run_until_idle()
    assert engine.get(iid).status == "incident"
    assert [i.id for i in engine.list_instances(status="incident").items] == [iid]
    assert perform(engine, iid, "retry", "bureau is back", actor="olga").status == "running"
    engine.run_until_idle()
    assert engine.get(iid).status == "completed"
    assert engine.verify_audit().ok


def test_batch_reports_per_instance_results(engine, loan_approval):
    first = reviewing(engine, loan_approval)
    second = engine.start("loan-approval", {"amount": 60_000})
    engine.run_until_idle()
    done = engine.start("loan-approval", {"amount": 5})
    engine.run_until_idle()
    results = perform_batch(engine, "suspend", {"definition": "loan-approval"}, "freeze",
                            actor="olga")
    by_id = {r["id"]: r for r in results}
    assert by_id[first]["ok"] and by_id[second]["status"] == "suspended"
    assert not by_id[done]["ok"] and by_id[done]["error"]["code"] == "operation-refused"


def test_cancelling_a_parent_cancels_its_child(engine):
    engine.publish({
        "schema": "statewright/v1", "key": "child",
        "states": [{"id": "begin", "type": "start"},
                   {"id": "wait", "type": "wait", "timeout_s": 600},
                   {"id": "done", "type": "end", "outcome": "completed"}],
        "transitions": [{"from": "begin", "to": "wait"},
                        {"from": "wait", "to": "done", "on": "timeout"}]})
    engine.publish({
        "schema": "statewright/v1", "key": "parent",
        "states": [{"id": "begin", "type": "start"},
                   {"id": "sub", "type": "subprocess", "definition": "child"},
                   {"id": "done", "type": "end", "outcome": "completed"},
                   {"id": "broken", "type": "end", "outcome": "failed"}],
        "transitions": [{"from": "begin", "to": "sub"},
                        {"from": "sub", "to": "done", "on": "done"},
                        {"from": "sub", "to": "broken", "on": "error"}]})
    parent = engine.start("parent")
    engine.run_until_idle()
    [child] = engine.list_instances(definition="child").items
    assert child.parent_id == parent and child.status == "running"
    perform(engine, parent, "cancel", "order withdrawn", actor="olga")
    assert engine.get(parent).status == "cancelled"
    cancelled = engine.get(child.id)
    assert cancelled.status == "cancelled"
    assert "order withdrawn" in engine.history(child.id)[-1].data["reason"]
    assert engine.verify_audit().ok
