"""REST: an analyst simulates a saved draft and replays the current version's instances
against it; nothing is stored, errors name what was wrong."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest
from api_callers import Callers
from fastapi.testclient import TestClient

from runtime import Engine
from runtime.api import create_app

API = "/api/v1"


@pytest.fixture
def api(engine: Engine) -> Iterator[TestClient]:
    app = create_app(engine)
    with TestClient(app, headers=Callers(app).bearer("ana", "analyst")) as client:
        yield client


def test_simulating_a_draft_returns_the_path_and_guards_and_stores_no_instance(
        api, engine, loan_approval):
    engine.save_draft("loan-approval", loan_approval)
    done = api.post(f"{API}/drafts/loan-approval/simulate", json={
        "variables": {"amount": 50000}, "events": [
            {"event": "done", "payload": {"score": 650}}, {"event": "approve"}]})
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["path"] == ["received", "score", "route", "review", "approved"]
    assert body["status"] == "completed" and body["variables"]["comment"] == "approved"
    guard = next(g for g in body["steps"][1]["guards"] if g["when"])
    assert (guard["value"], guard["values"]) == (False, {"amount": 50000})
    assert engine.list_instances().total == 0


def test_simulation_errors_are_clear(api, engine, loan_approval):
    missing = api.post(f"{API}/drafts/nothing-here/simulate", json={})
    assert missing.status_code == 404 and "no draft" in missing.json()["error"]["message"]
    engine.save_draft("loan-approval", loan_approval)
    refused = api.post(f"{API}/drafts/loan-approval/simulate",
                       json={"variables": {"amount": 5}, "events": [{"event": "approve"}]})
    assert refused.status_code == 409, refused.text
    assert "it offers: done, error" in refused.json()["error"]["message"]
    bad = api.post(f"{API}/drafts/loan-approval/simulate", json={"variables": {}})
    assert bad.status_code == 422 and "amount" in bad.json()["error"]["message"]


def test_whatif_counts_the_instances_a_draft_would_send_elsewhere(api, engine, loan_approval):
    engine.publish(loan_approval)
    engine.action("credit_score")(lambda ctx: {"score": 700})
    for amount in (5000, 20000, 50000):
        engine.start("loan-approval", {"amount": amount})
    engine.run_until_idle(timeout_s=10)
    draft = copy.deepcopy(loan_approval)
    draft["transitions"][3]["when"] = "amount < 30000"
    engine.save_draft("loan-approval", draft)
    done = api.post(f"{API}/drafts/loan-approval/whatif", json={"last": 10})
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["replayed"], body["same_path"], body["other_path"], body["stuck"]) == (3, 2, 1, 0)
    assert body["states"]["approved"] == 2
