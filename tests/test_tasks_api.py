"""The task inbox over REST: list, claim races answered 409, per-field 422, delegation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import pytest
from fastapi import Header
from fastapi.testclient import TestClient
from test_tasks import CLAIM_REVIEW

from runtime import Engine
from runtime.api import create_app
from runtime.api.auth import Actor, current_actor

API = "/api/v1"
ROLES = {"ana": {"underwriter"}, "ben": {"underwriter"}, "carl": {"clerk"}, "root": {"admin"},
         "mia": {"manager"}}


@pytest.fixture
def api(engine: Engine) -> Iterator[TestClient]:
    """The API with the caller's roles taken from a test user table (auth is not wired yet)."""
    engine.publish(CLAIM_REVIEW)
    app = create_app(engine)

    def as_user(x_statewright_actor: Annotated[str, Header()] = "anonymous") -> Actor:
        return Actor(x_statewright_actor, frozenset(ROLES.get(x_statewright_actor, ())), True)

    app.dependency_overrides[current_actor] = as_user
    with TestClient(app) as client:
        yield client


def _as(user: str) -> dict[str, str]:
    return {"X-Statewright-Actor": user}


def _open_task(api: TestClient, engine: Engine) -> str:
    iid = engine.start("claim-review", {"amount": 500})
    page = api.get(f"{API}/tasks", params={"state": "open"}, headers=_as("ana")).json()
    return next(t["id"] for t in page["items"] if t["instance_id"] == iid)


def test_an_underwriter_lists_claims_and_completes_over_rest(
        api: TestClient, engine: Engine) -> None:
    task_id = _open_task(api, engine)
    assert api.get(f"{API}/tasks", headers=_as("carl")).json()["total"] == 0
    assert api.get(f"{API}/tasks/{task_id}", headers=_as("carl")).status_code == 403
    claimed = api.post(f"{API}/tasks/{task_id}/claim", headers=_as("ana"))
    assert claimed.status_code == 200 and claimed.json()["assignee"] == "ana"
    lost = api.post(f"{API}/tasks/{task_id}/claim", headers=_as("ben"))
    assert lost.status_code == 409
    assert lost.json()["error"]["code"] == "task-conflict"
    assert "already claimed by 'ana'" in lost.json()["error"]["message"]

    bad = api.post(f"{API}/tasks/{task_id}/complete", headers=_as("ana"),
                   json={"outcome": "approve", "data": {"payout": "a lot"}})
    assert bad.status_code == 422
    fields = bad.json()["error"]["details"]["fields"]
    assert set(fields) == {"decision_note", "payout"}

    done = api.post(f"{API}/tasks/{task_id}/complete", headers=_as("ana"),
                    json={"outcome": "approve", "data": {"decision_note": "fine"}})
    assert done.status_code == 200 and done.json()["state"] == "completed"
    inst = engine.get(done.json()["instance_id"])
    assert (inst.state, inst.variables["decision_note"]) == ("paid", "fine")
    assert api.get(f"{API}/tasks/metrics", headers=_as("ana")).status_code == 403
    metrics = api.get(f"{API}/tasks/metrics", headers=_as("mia")).json()["items"]
    assert metrics[0]["completed"] == 1


def test_delegating_and_unclaiming_over_rest(api: TestClient, engine: Engine) -> None:
    task_id = _open_task(api, engine)
    api.post(f"{API}/tasks/{task_id}/claim", headers=_as("ana"))
    moved = api.post(f"{API}/tasks/{task_id}/delegate", headers=_as("ana"),
                     json={"to_user": "ben"})
    assert moved.status_code == 200 and moved.json()["assignee"] == "ben"
    back = api.post(f"{API}/tasks/{task_id}/unclaim", headers=_as("ben"))
    assert back.status_code == 200 and back.json()["state"] == "open"
    both = api.post(f"{API}/tasks/{task_id}/delegate", headers=_as("ana"), json={})
    assert both.status_code == 400
    assert api.get(f"{API}/tasks", params={"state": "bogus"},
                   headers=_as("ana")).status_code == 400


def test_only_an_admin_configures_channels(api: TestClient) -> None:
    body = {"scope": "role", "target": "underwriter", "format": "slack",
            "url": "http://127.0.0.1:9/hook"}
    assert api.post(f"{API}/notification-channels", json=body,
                    headers=_as("ana")).status_code == 403
    made = api.post(f"{API}/notification-channels", json=body, headers=_as("root"))
    assert made.status_code == 201
    listed = api.get(f"{API}/notification-channels", headers=_as("root")).json()["items"]
    assert [c["format"] for c in listed] == ["slack"]
    gone = api.delete(f"{API}/notification-channels/{made.json()['id']}", headers=_as("root"))
    assert gone.status_code == 204
