""""Why is it stuck?": an operator asks about one instance and learns its state against the
usual time there, what it waits for, and its last error with the error's class (both DBs)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from api_callers import Callers
from fastapi.testclient import TestClient
from test_engine_subprocess import ORDER, SHIPPING
from typer.testing import CliRunner

from runtime import Engine
from runtime.api import create_app
from runtime.cli import app
from runtime.core.errors import NotFound
from runtime.operations import perform
from runtime.operations.explain import explain
from runtime.operations.queries import incident_groups
from runtime.people.tasks.model import Caller


def reviewed(engine: Engine, minutes: list[int]) -> None:
    """Finished reviews of the given lengths: the usual time in `review`."""
    for length in minutes:
        iid = engine.start("loan-approval", {"amount": 50_000})
        engine.run_until_idle()
        engine.clock.advance(length * 60)
        engine.send(iid, "approve")


def kinds(found: Any) -> list[str]:
    return [w.kind for w in found.waits]


def test_a_review_left_too_long_is_unusually_long_and_names_the_queue(engine, loan_approval):
    engine.publish(loan_approval)
    engine.action("credit_score")(lambda ctx: {"score": 700})
    reviewed(engine, [10, 20, 30, 40, 50, 60])
    iid = engine.start("loan-approval", {"amount": 50_000}, business_key="LN-7")
    engine.run_until_idle()
    engine.clock.advance(3 * 3600)
    found = explain(engine, iid)
    assert found.instance.state == "review" and found.state_type == "human"
    assert found.for_s == 3 * 3600
    assert found.usual is not None and found.usual.visits == 6
    assert found.usual.scope == "version 1"
    assert 30 * 60 * 0.95 <= found.usual.p50_s <= 30 * 60 * 1.05  # the sketch's 5% error
    assert found.verdict.startswith("unusually long")
    assert kinds(found) == ["task"]
    task = found.waits[0].details
    assert task["role"] == "underwriter" and task["assignee"] is None
    assert task["outcomes"] == ["approve", "request_docs", "pause", "reject"]
    body = found.to_json()
    assert body["state"]["usual"]["visits"] == 6 and body["last_error"] is None
    assert "unclaimed in the queue of role underwriter" in body["summary"]
    engine.tasks.claim(task["id"], Caller("uma", frozenset({"underwriter"})))
    assert "claimed by uma" in explain(engine, iid).waits[0].summary
    engine.clock.advance(-3 * 3600 + 60)  # asked a minute after it arrived: as usual
    assert explain(engine, iid).verdict == "within its usual time"


def test_a_failing_action_shows_its_attempts_the_open_breaker_and_a_transient_error(
        engine, loan_approval):
    loan_approval["states"][1].update(retry={"max_attempts": 4, "initial_s": 5, "jitter": 0},
                                      breaker="credit-bureau")
    engine.breakers.failure_threshold = 2
    engine.publish(loan_approval)

    @engine.action("credit_score")
    def credit_score(ctx: Any) -> dict[str, Any]:
        raise ConnectionError("bureau unreachable")

    iid = engine.start("loan-approval", {"amount": 50_000})
    engine.run_until_idle()
    engine.clock.advance(6)
    engine.run_until_idle()
    found = explain(engine, iid)
    assert kinds(found) == ["job", "breaker"]
    job, breaker = (w.details for w in found.waits)
    assert (job["attempt"], job["max_attempts"]) == (3, 4)
    assert "ConnectionError: bureau unreachable" in job["last_error"]
    assert breaker["name"] == "credit-bureau" and breaker["state"] == "open"
    error = found.last_error
    assert error is not None and error.error_class == "transient"
    assert (error.action, error.attempt, error.final) == ("credit_score", 2, False)
    assert found.to_json()["last_error"]["remedy"].startswith("a dependency failed")


def test_a_full_bulkhead_is_named(engine, loan_approval):
    loan_approval["states"][1]["concurrency"] = 1
    engine.publish(loan_approval)
    iid = engine.start("loan-approval", {"amount": 50_000})
    from runtime.execution import bulkheads
    from runtime.operations.queries import pending_jobs

    other = pending_jobs(engine, engine.start("loan-approval", {"amount": 1}))[0]
    assert bulkheads.acquire(engine.ledger, other, "credit_score", 1)
    found = explain(engine, iid)
    assert kinds(found) == ["job", "bulkhead"]
    assert found.waits[1].details == {"action": "credit_score", "running": 1, "limit": 1}


def test_waiting_for_an_event_a_timer_or_a_child(engine, loan_approval):
    engine.publish(loan_approval)
    engine.publish(SHIPPING)
    engine.publish(ORDER)
    engine.action("credit_score")(lambda ctx: {"score": 700})
    iid = engine.start("loan-approval", {"amount": 50_000})
    engine.run_until_idle()
    engine.send(iid, "request_docs")
    docs = explain(engine, iid)
    assert kinds(docs) == ["event", "timer"]
    event, timer = (w.details for w in docs.waits)
    assert event["events"] == ["docs_received"] and event["roles"] == ["admin", "operator"]
    assert timer["event"] == "timeout"
    assert timer["due_at"] == engine.clock.now() + timedelta(hours=1)
    order = engine.start("purchase-order", {"total": 120})
    engine.run_until_idle()
    child = explain(engine, order)
    assert kinds(child) == ["child"]
    assert child.waits[0].details["definition"] == "shipping"
    assert child.waits[0].details["state"] == "in_transit"


def test_suspended_incident_and_finished_instances(engine, loan_approval):
    loan_approval["states"][1]["retry"] = {"max_attempts": 1}
    loan_approval["transitions"] = [t for t in loan_approval["transitions"]
                                    if t.get("on") != "error"]
    engine.publish(loan_approval)

    def failing(ctx: Any) -> dict[str, Any]:
        raise KeyError("score")

    engine.action("credit_score")(failing)
    broken = engine.start("loan-approval", {"amount": 50_000})
    engine.run_until_idle()
    found = explain(engine, broken)
    assert found.instance.status == "incident" and kinds(found) == ["operator"]
    assert found.last_error is not None and found.last_error.error_class == "bug"
    assert found.last_error.final
    assert incident_groups(engine)[0].error_class == "bug"
    perform(engine, broken, "cancel", "withdrawn", actor="olga")
    done = explain(engine, broken)
    assert done.waits == [] and done.verdict == "finished" and done.for_s is None
    assert done.summary == "It is cancelled: it waits for nothing."
    engine.action("credit_score")(lambda ctx: {"score": 700})
    held = engine.start("loan-approval", {"amount": 50_000})
    engine.run_until_idle()
    perform(engine, held, "suspend", "hold on", actor="olga")
    paused = explain(engine, held)
    assert kinds(paused) == ["operator"] and "resume" in paused.waits[0].details["operations"]
    with pytest.raises(NotFound):
        explain(engine, "no-such-instance")


def test_explain_from_the_shell_and_over_rest(db_url, loan_approval):
    with Engine(db_url) as engine:
        engine.publish(loan_approval)
        engine.action("credit_score")(lambda ctx: {"score": 700})
        iid = engine.start("loan-approval", {"amount": 50_000})
        engine.run_until_idle()
        application = create_app(engine)
        with TestClient(application,
                        headers=Callers(application).bearer("mia", "manager")) as client:
            over_rest = client.get(f"/api/v1/instances/{iid}/explain")
            missing = client.get("/api/v1/instances/nope/explain")
    assert over_rest.status_code == 200, over_rest.text
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not-found"
    printed = CliRunner().invoke(app, ["explain", iid, "--db", db_url, "--json"])
    assert printed.exit_code == 0, printed.output
    from_cli, rest = json.loads(printed.output), over_rest.json()
    for body in (from_cli, rest):  # asked a moment apart: the time so far differs
        del body["state"]["for_s"], body["summary"]
    assert from_cli == rest
    assert from_cli["waits_for"][0]["kind"] == "task"
    text = CliRunner().invoke(app, ["explain", iid, "--db", db_url])
    assert text.exit_code == 0 and "[task] task 'review'" in text.output
    unknown = CliRunner().invoke(app, ["explain", "nope", "--db", db_url])
    assert unknown.exit_code == 2 and "no instance 'nope'" in unknown.output
