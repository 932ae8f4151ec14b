"""Operator actions over REST: per instance and in batches, with the error shapes of SPEC §5."""

from __future__ import annotations

from typing import Any

import pytest
from api_callers import Callers
from fastapi.testclient import TestClient

from runtime.api import create_app


@pytest.fixture
def client(engine, loan_approval) -> Any:
    """The API as the operator Olga calls it."""
    engine.publish(loan_approval)
    engine.action("credit_score")(lambda ctx: {"score": 700})
    app = create_app(engine)
    with TestClient(app, headers=Callers(app).bearer("olga", "operator")) as c:
        yield c


def reviewing(client: Any, engine: Any, amount: int = 50_000) -> str:
    iid = client.post("/api/v1/instances", json={
        "definition": "loan-approval", "variables": {"amount": amount}}).json()["id"]
    engine.run_until_idle()
    return iid


def test_suspend_then_resume_over_rest(client, engine):
    iid = reviewing(client, engine)
    answer = client.post(f"/api/v1/instances/{iid}/suspend", json={"reason": "hold"})
    assert answer.status_code == 200 and answer.json()["status"] == "suspended"
    event = engine.history(iid)[-1]
    assert (event.type, event.actor, event.data["reason"]) == ("suspended", "olga", "hold")
    again = client.post(f"/api/v1/instances/{iid}/suspend", json={"reason": "hold"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "operation-refused"
    assert client.post(f"/api/v1/instances/{iid}/resume",
                       json={"reason": "go"}).json()["status"] == "running"


def test_resume_on_a_running_instance_is_409_naming_the_status(client, engine):
    iid = reviewing(client, engine)
    answer = client.post(f"/api/v1/instances/{iid}/resume", json={"reason": "why"})
    assert answer.status_code == 409
    assert "running" in answer.json()["error"]["message"]


def test_a_reason_is_required_and_unknown_operations_are_refused(client, engine):
    iid = reviewing(client, engine)
    assert client.post(f"/api/v1/instances/{iid}/suspend", json={}).status_code == 422
    assert client.post(f"/api/v1/instances/{iid}/suspend",
                       json={"reason": ""}).status_code == 422
    assert client.post(f"/api/v1/instances/{iid}/explode",
                       json={"reason": "x"}).status_code in (404, 422)
    missing = client.post("/api/v1/instances/nope/cancel", json={"reason": "x"})
    assert missing.status_code == 404


def test_move_set_vars_and_migrate_over_rest(client, engine, loan_approval):
    iid = reviewing(client, engine)
    moved = client.post(f"/api/v1/instances/{iid}/move", json={"reason": "r", "to": "cooldown"})
    assert moved.json()["state"] == "cooldown"
    changed = client.post(f"/api/v1/instances/{iid}/set-vars",
                          json={"reason": "fix", "variables": {"applicant": "Bo"}})
    assert changed.json()["variables"]["applicant"] == "Bo"
    loan_approval["states"] = [s for s in loan_approval["states"] if s["id"] != "cooldown"]
    loan_approval["transitions"] = [t for t in loan_approval["transitions"]
                                    if "cooldown" not in (t["from"], t["to"])]
    engine.publish(loan_approval)
    refused = client.post(f"/api/v1/instances/{iid}/migrate",
                          json={"reason": "v2", "version": 2})
    assert refused.status_code == 422
    assert refused.json()["error"]["details"]["unmapped"] == ["cooldown"]
    migrated = client.post(f"/api/v1/instances/{iid}/migrate", json={
        "reason": "v2", "version": 2, "mapping": {"cooldown": "review"}})
    assert (migrated.json()["version"], migrated.json()["state"]) == (2, "review")


def test_batch_reports_each_instance(client, engine):
    waiting = [reviewing(client, engine) for _ in range(2)]
    done = reviewing(client, engine, amount=5)
    answer = client.post("/api/v1/instances/batch/cancel", json={
        "reason": "campaign withdrawn", "filter": {"definition": "loan-approval"}}).json()
    assert (answer["succeeded"], answer["failed"]) == (2, 1)
    by_id = {r["id"]: r for r in answer["results"]}
    assert all(by_id[i]["status"] == "cancelled" for i in waiting)
    assert by_id[done]["error"]["code"] == "operation-refused"
    listed = client.get("/api/v1/instances", params={"status": "cancelled"}).json()
    assert {i["id"] for i in listed["items"]} == set(waiting)
    unfiltered = client.post("/api/v1/instances/batch/cancel", json={"reason": "all"})
    assert unfiltered.status_code == 422 and "filter" in unfiltered.json()["error"]["message"]


def test_incidents_are_listed_with_their_reason(client, engine, loan_approval):
    loan_approval["transitions"] = [t for t in loan_approval["transitions"]
                                    if t.get("on") != "error"]
    loan_approval["states"][1]["retry"] = {"max_attempts": 1}
    engine.publish(loan_approval)

    @engine.action("credit_score")
    def credit_score(ctx: Any) -> dict[str, Any]:
        raise ConnectionError("bureau down")

    iid = reviewing(client, engine)
    listed = client.get("/api/v1/instances", params={"status": "incident"}).json()["items"]
    assert [i["id"] for i in listed] == [iid]
    assert "error" in listed[0]["incident"] and "score" in listed[0]["incident"]
    assert client.get(f"/api/v1/instances/{iid}").json()["incident"] == listed[0]["incident"]
    retried = client.post(f"/api/v1/instances/{iid}/retry", json={"reason": "try again"})
    assert retried.json()["status"] == "running" and retried.json()["incident"] is None
