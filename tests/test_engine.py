"""Stories of the engine, on SQLite and PostgreSQL: publish, start, send, tasks, timers."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from runtime import (
    DefinitionInvalid,
    Engine,
    EventRefused,
    ManualClock,
    NotFound,
    Runner,
    VariablesInvalid,
)
from runtime.core.step import replay
from runtime.execution.jobs import lease


def _ready(engine: Engine, process: dict[str, Any], score: int = 700) -> None:
    engine.publish(process, actor="ana")

    @engine.action("credit_score")
    def credit_score(ctx: Any) -> dict[str, Any]:
        return {"score": score}


def test_small_loan_is_scored_and_approved_automatically(engine, loan_approval):
    _ready(engine, loan_approval)
    iid = engine.start("loan-approval", {"amount": 5000}, actor="ana")
    assert engine.get(iid).state == "score"  # the action runs outside the start transaction
    assert engine.run_until_idle(timeout_s=10) == 1
    inst = engine.get(iid)
    assert (inst.state, inst.status, inst.variables["score"]) == ("approved", "completed", 700)
    types = [e.type for e in engine.history(iid)]
    assert types[0] == "instance_started" and "action_succeeded" in types
    assert all(e.actor for e in engine.history(iid))


def test_large_loan_goes_to_review_and_an_underwriter_approves(engine, loan_approval):
    _ready(engine, loan_approval)
    iid = engine.start("loan-approval", {"amount": 50000, "applicant": "Bo"}, actor="ana")
    engine.run_until_idle(timeout_s=10)
    assert engine.get(iid).state == "review"
    after = engine.send(iid, "approve", {"comment": "fine"}, actor="uma")
    assert (after.state, after.status) == ("approved", "completed")
    assert after.variables["comment"] == "approved"  # the transition's `set` ran after the payload
    last = engine.history(iid)[-1]
    assert last.type == "transition" and last.actor == "uma"
    assert last.data == {
        "from": "review",
        "to": "approved",
        "event": "approve",
        "status": "completed",
    }


def test_an_event_the_state_does_not_take_is_refused_and_changes_nothing(engine, loan_approval):
    _ready(engine, loan_approval)
    iid = engine.start("loan-approval", {"amount": 50000}, actor="ana")
    engine.run_until_idle()
    before = engine.history(iid)
    with pytest.raises(EventRefused) as refused:
        engine.send(iid, "docs_received", actor="uma")
    assert "approve, request_docs, pause, reject" in refused.value.message
    assert refused.value.details["accepted"] == ["approve", "request_docs", "pause", "reject"]
    assert engine.history(iid) == before


def test_internal_events_cannot_be_sent_from_outside(engine, loan_approval):
    _ready(engine, loan_approval)
    iid = engine.start("loan-approval", {"amount": 50000}, actor="ana")
    with pytest.raises(EventRefused, match="accepts: none"):
        engine.send(iid, "done", {"score": 1}, actor="mallory")


def test_a_payload_of_the_wrong_type_is_refused_naming_the_variable(engine, loan_approval):
    _ready(engine, loan_approval)
    iid = engine.start("loan-approval", {"amount": 50000}, actor="ana")
    engine.run_until_idle()
    with pytest.raises(VariablesInvalid, match="'comment' must be a string"):
        engine.send(iid, "approve", {"comment": 42}, actor="uma")
    assert engine.get(iid).state == "review"


def test_start_checks_required_and_typed_variables(engine, loan_approval):
    _ready(engine, loan_approval)
    with pytest.raises(VariablesInvalid, match="amount"):
        engine.start("loan-approval", {}, actor="ana")
    with pytest.raises(VariablesInvalid, match="'amount' must be a number"):
        engine.start("loan-approval", {"amount": "lots"}, actor="ana")
    with pytest.raises(NotFound, match="no-such-process"):
        engine.start("no-such-process", {}, actor="ana")
    assert engine.list_instances().total == 0


def test_the_wait_times_out_when_the_documents_never_come(engine, loan_approval, clock):
    _ready(engine, loan_approval)
    iid = engine.start("loan-approval", {"amount": 50000}, actor="ana")
    engine.run_until_idle()
    engine.send(iid, "request_docs", actor="uma")
    clock.advance(3599)
    assert engine.run_until_idle() == 0
    clock.advance(2)
    assert engine.run_until_idle() == 1
    assert (engine.get(iid).state, engine.get(iid).status) == ("rejected", "failed")


def test_a_timeout_left_behind_by_an_answered_wait_never_fires(engine, loan_approval, clock):
    _ready(engine, loan_approval)
    iid = engine.start("loan-approval", {"amount": 50000}, actor="ana")
    engine.run_until_idle()
    engine.send(iid, "request_docs", actor="uma")
    engine.send(iid, "docs_received", actor="uma")
    clock.advance(7200)
    engine.run_until_idle()
    assert engine.get(iid).state == "review"


def test_the_cooldown_timer_brings_the_case_back_to_review(engine, loan_approval, clock):
    _ready(engine, loan_approval)
    iid = engine.start("loan-approval", {"amount": 50000}, actor="ana")
    engine.run_until_idle()
    engine.send(iid, "pause", actor="uma")
    clock.advance(601)
    engine.run_until_idle()
    assert engine.get(iid).state == "review"
    assert [e.type for e in engine.history(iid)][-4:] == [
        "timer_set", "timer_fired", "transition", "task_created"]


def test_a_failing_action_is_retried_with_backoff_then_takes_the_error_path(
    engine, loan_approval, clock
):
    engine.publish(loan_approval)
    attempts: list[int] = []

    @engine.action("credit_score")
    def credit_score(ctx: Any) -> dict[str, Any]:
        attempts.append(ctx.attempt)
        raise ConnectionError("bureau down")

    iid = engine.start("loan-approval", {"amount": 5000}, actor="ana")
    engine.run_until_idle()
    assert attempts == [1]
    clock.advance(1.5)  # first retry after initial_s = 1
    engine.run_until_idle()
    clock.advance(1.5)  # second retry waits 2 s: not yet
    engine.run_until_idle()
    assert attempts == [1, 2]
    clock.advance(1)
    engine.run_until_idle()
    assert attempts == [1, 2, 3]
    inst = engine.get(iid)
    assert (inst.state, inst.status) == ("rejected", "failed")
    failures = [e.data for e in engine.history(iid) if e.type == "action_failed"]
    assert [f["attempt"] for f in failures] == [1, 2, 3] and failures[-1]["final"] is True
    assert "bureau down" in failures[0]["error"]


def test_without_an_error_path_an_exhausted_action_is_an_incident(engine, loan_approval):
    loan_approval["transitions"] = [
        t for t in loan_approval["transitions"] if t.get("on") != "error"
    ]
    loan_approval["states"][1]["retry"] = {"max_attempts": 1}
    engine.publish(loan_approval)

    @engine.action("credit_score")
    async def credit_score(ctx: Any) -> dict[str, Any]:
        await asyncio.sleep(0)
        raise ValueError("no score")

    iid = engine.start("loan-approval", {"amount": 5000}, actor="ana")
    engine.run_until_idle()
    inst = engine.get(iid)
    assert (inst.state, inst.status) == ("score", "incident")


def test_async_handlers_see_the_instance_context(engine, loan_approval):
    engine.publish(loan_approval)
    seen: list[Any] = []

    @engine.action("credit_score")
    async def credit_score(ctx: Any) -> dict[str, Any]:
        seen.append((ctx.instance_id, ctx.variables["amount"], ctx.attempt, ctx.state))
        return {"score": 650}

    iid = engine.start("loan-approval", {"amount": 20000}, actor="ana")
    engine.run_until_idle()
    assert seen == [(iid, 20000, 1, "score")]
    assert engine.get(iid).variables["score"] == 650


def test_idempotent_start_and_send_apply_once(engine, loan_approval):
    _ready(engine, loan_approval)
    first = engine.start("loan-approval", {"amount": 50000}, actor="ana", idempotency_key="app-17")
    again = engine.start("loan-approval", {"amount": 50000}, actor="ana", idempotency_key="app-17")
    assert first == again and engine.list_instances().total == 1
    engine.run_until_idle()
    sent = engine.send(first, "pause", actor="uma", idempotency_key="click-1")
    repeat = engine.send(first, "pause", actor="uma", idempotency_key="click-1")
    assert sent == repeat
    assert (
        sum(
            e.type == "transition" and e.data.get("event") == "pause" for e in engine.history(first)
        )
        == 1
    )


def test_publishing_identical_content_returns_the_existing_version(engine, loan_approval):
    first = engine.publish(loan_approval, actor="ana")
    loan_approval["layout"] = {"received": {"x": 500, "y": 20}}
    same = engine.publish(loan_approval, actor="ana")
    assert (first, first.existed, same, same.existed) == (1, False, 1, True)
    loan_approval["states"][4]["timeout_s"] = 7200
    assert engine.publish(loan_approval) == 2
    assert [v.version for v in engine.versions("loan-approval")] == [1, 2]
    assert engine.version("loan-approval").version == 2
    assert engine.version("loan-approval", 1).published_by == "ana"
    summary = engine.definitions()[0]
    assert (summary.key, summary.latest_version, summary.version_count) == ("loan-approval", 2, 2)


def test_instances_stay_on_the_version_they_started_with(engine, loan_approval):
    _ready(engine, loan_approval)
    iid = engine.start("loan-approval", {"amount": 50000}, actor="ana")
    loan_approval["states"][4]["timeout_s"] = 7200
    engine.publish(loan_approval)
    assert engine.get(iid).version == 1
    assert engine.get(engine.start("loan-approval", {"amount": 1}, actor="ana")).version == 2


def test_an_invalid_definition_is_refused_with_its_findings(engine, loan_approval):
    loan_approval["transitions"] = [
        t for t in loan_approval["transitions"] if t["from"] != "route" or not t.get("default")
    ]
    with pytest.raises(DefinitionInvalid) as refused:
        engine.publish(loan_approval)
    assert "no-default" in {f.code for f in refused.value.findings}
    with pytest.raises(DefinitionInvalid) as schema:
        engine.publish({"key": "Bad Key", "states": []})
    assert any("key" in f.message for f in schema.value.findings)
    assert engine.definitions() == []


def test_list_instances_filters_and_pages(engine, loan_approval):
    _ready(engine, loan_approval)
    ids = [
        engine.start("loan-approval", {"amount": a}, actor="ana", business_key=f"A-{a}")
        for a in (100, 200, 50000)
    ]
    engine.run_until_idle()
    assert engine.list_instances(status="completed").total == 2
    assert [i.id for i in engine.list_instances(state="review").items] == [ids[2]]
    assert engine.list_instances(business_key="A-200").items[0].id == ids[1]
    page = engine.list_instances(definition="loan-approval", limit=2, offset=2)
    assert (page.total, len(page.items)) == (3, 1)


def test_unknown_instances_are_not_found(engine):
    with pytest.raises(NotFound, match="nope"):
        engine.get("nope")
    with pytest.raises(NotFound):
        engine.send("nope", "approve")
    with pytest.raises(NotFound):
        engine.history("nope")


def test_concurrent_senders_share_commits_and_each_send_is_applied_once(engine, loan_approval):
    _ready(engine, loan_approval)
    ids = [engine.start("loan-approval", {"amount": 50000}, actor="ana") for _ in range(8)]
    engine.run_until_idle()
    errors: list[Exception] = []

    def cycle(iid: str) -> None:
        try:
            for _ in range(5):
                engine.send(iid, "request_docs", actor="uma")
                engine.send(iid, "docs_received", actor="uma")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=cycle, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for iid in ids:
        log = engine.history(iid)
        assert sum(e.type == "transition" for e in log) == 3 + 1 + 10
        projection = replay(iid, [(e.seq, e.type, e.data) for e in log])
        assert (projection.state, projection.variables) == ("review", engine.get(iid).variables)
    assert engine.verify_audit().ok


def test_a_decision_with_a_failing_guard_becomes_an_incident(engine, clock):
    process = {
        "key": "triage",
        "variables": [{"name": "severity", "type": "integer"}],
        "states": [
            {"id": "in", "type": "start"},
            {"id": "route", "type": "decision"},
            {"id": "urgent", "type": "end"},
            {"id": "normal", "type": "end"},
        ],
        "transitions": [
            {"from": "in", "to": "route"},
            {"from": "route", "to": "urgent", "when": "severity > 3"},
            {"from": "route", "to": "normal", "default": True},
        ],
    }
    engine.publish(process)
    iid = engine.start("triage", {}, actor="ana")  # severity is null: `null > 3` fails
    inst = engine.get(iid)
    assert (inst.state, inst.status) == ("route", "incident")
    assert "severity" in engine.history(iid)[-1].data["reason"]
    assert engine.get(engine.start("triage", {"severity": 5}, actor="ana")).state == "urgent"


def test_the_manual_clock_stamps_every_event(db_url):
    clock = ManualClock()
    with Engine(db_url, clock=clock) as eng:
        eng.publish(
            {
                "key": "tiny",
                "states": [{"id": "s", "type": "start"}, {"id": "e", "type": "end"}],
                "transitions": [{"from": "s", "to": "e"}],
            }
        )
        iid = eng.start("tiny", actor="ana")
        assert {e.at for e in eng.history(iid)} == {clock.now()}


def test_the_background_runner_works_due_jobs_until_stopped(db_url, loan_approval):
    done = threading.Event()
    with Engine(db_url) as eng:
        eng.publish(loan_approval)

        @eng.action("credit_score")
        def credit_score(ctx: Any) -> dict[str, Any]:
            done.set()
            return {"score": 800}

        runner = Runner(eng, poll_s=0.05).start()
        try:
            iid = eng.start("loan-approval", {"amount": 100}, actor="ana")
            assert done.wait(timeout=20)
            for _ in range(200):
                if eng.get(iid).status == "completed":
                    break
                threading.Event().wait(0.05)
        finally:
            runner.stop()
        assert eng.get(iid).status == "completed"


def test_a_lease_held_by_a_crashed_worker_is_taken_over_after_it_expires(db_url, loan_approval):
    clock = ManualClock()
    with Engine(db_url, clock=clock, lease_s=30) as crashed, Engine(db_url, clock=clock) as peer:
        crashed.publish(loan_approval)
        iid = crashed.start("loan-approval", {"amount": 100}, actor="ana")
        assert len(lease(crashed)) == 1  # leased, then the process "dies" before running it
        peer.action("credit_score")(lambda ctx: {"score": ctx.attempt})
        assert peer.run_until_idle() == 0
        clock.advance(31)
        assert peer.run_until_idle() == 1
        assert peer.get(iid).variables["score"] == 2  # the second attempt


def test_an_analysts_draft_is_kept_until_dropped(engine, loan_approval):
    unfinished = {"key": "loan-approval", "states": [{"id": "received", "type": "start"}]}
    engine.save_draft("loan-approval", unfinished, actor="ana")
    engine.save_draft("loan-approval", loan_approval, actor="ana")
    draft = engine.draft("loan-approval")
    assert (draft.document, draft.updated_by) == (loan_approval, "ana")
    assert [d.key for d in engine.drafts()] == ["loan-approval"]
    assert engine.delete_draft("loan-approval") and engine.draft("loan-approval") is None


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_worker_on_postgres_is_woken_by_another_process_work(db_url, loan_approval):
    scored = threading.Event()
    with Engine(db_url) as api, Engine(db_url) as worker:
        api.publish(loan_approval)
        worker.action("credit_score")(lambda ctx: scored.set() or {"score": 720})
        runner = Runner(worker, poll_s=3600).start()  # only a NOTIFY can wake it in time
        try:
            threading.Event().wait(0.5)  # let the listener connect
            api.start("loan-approval", {"amount": 100}, actor="ana")
            assert scored.wait(timeout=30)
        finally:
            runner.stop()
