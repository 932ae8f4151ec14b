"""The task inbox over REST: list, claim races answered 409, per-field 422, delegation."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from api_callers import Callers
from fastapi import FastAPI
from fastapi.testclient import TestClient
from test_tasks import CLAIM_REVIEW

from runtime import Engine
from runtime.api import create_app

pytestmark = pytest.mark.usefixtures("allow_local_webhooks")  # receivers on 127.0.0.1

API = "/api/v1"
ROLES = {"ana": {"underwriter"}, "ben": {"underwriter"}, "carl": {"clerk"}, "root": {"admin"},
         "mia": {"manager"}}
As = Callable[[str], dict[str, str]]


@pytest.fixture
def app(engine: Engine) -> FastAPI:
    engine.publish(CLAIM_REVIEW)
    return create_app(engine)


@pytest.fixture
def api(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def as_(app: FastAPI) -> As:
    """`as_("ana")`: the bearer header of a test user holding the roles of `ROLES`."""
    callers = Callers(app)
    return lambda user: callers.bearer(user, *ROLES[user])


def _open_task(api: TestClient, engine: Engine, as_: As) -> str:
    iid = engine.start("claim-review", {"amount": 500})
    page = api.get(f"{API}/tasks", params={"state": "open"}, headers=as_("ana")).json()
    return next(t["id"] for t in page["items"] if t["instance_id"] == iid)


def test_an_underwriter_lists_claims_and_completes_over_rest(
        api: TestClient, engine: Engine, as_: As) -> None:
    task_id = _open_task(api, engine, as_)
    assert api.get(f"{API}/tasks", headers=as_("carl")).json()["total"] == 0
    hidden = api.get(f"{API}/tasks/{task_id}", headers=as_("carl"))
    assert hidden.status_code == 404, "another role's task looks like no task at all"
    claimed = api.post(f"{API}/tasks/{task_id}/claim", headers=as_("ana"))
    assert claimed.status_code == 200 and claimed.json()["assignee"] == "ana"
    lost = api.post(f"{API}/tasks/{task_id}/claim", headers=as_("ben"))
    assert lost.status_code == 409
    assert lost.json()["error"]["code"] == "task-conflict"
    assert "already claimed by 'ana'" in lost.json()["error"]["message"]

    bad = api.post(f"{API}/tasks/{task_id}/complete", headers=as_("ana"),
                   json={"outcome": "approve", "data": {"payout": "a lot"}})
    assert bad.status_code == 422
    fields = bad.json()["error"]["details"]["fields"]
    assert set(fields) == {"decision_note", "payout"}

    done = api.post(f"{API}/tasks/{task_id}/complete", headers=as_("ana"),
                    json={"outcome": "approve", "data": {"decision_note": "fine"}})
    assert done.status_code == 200 and done.json()["state"] == "completed"
    inst = engine.get(done.json()["instance_id"])
    assert (inst.state, inst.variables["decision_note"]) == ("paid", "fine")
    assert api.get(f"{API}/tasks/metrics", headers=as_("ana")).status_code == 403
    metrics = api.get(f"{API}/tasks/metrics", headers=as_("mia")).json()["items"]
    assert metrics[0]["completed"] == 1


def test_delegating_and_unclaiming_over_rest(api: TestClient, engine: Engine, as_: As) -> None:
    task_id = _open_task(api, engine, as_)
    api.post(f"{API}/tasks/{task_id}/claim", headers=as_("ana"))
    moved = api.post(f"{API}/tasks/{task_id}/delegate", headers=as_("ana"),
                     json={"to_user": "ben"})
    assert moved.status_code == 200 and moved.json()["assignee"] == "ben"
    back = api.post(f"{API}/tasks/{task_id}/unclaim", headers=as_("ben"))
    assert back.status_code == 200 and back.json()["state"] == "open"
    both = api.post(f"{API}/tasks/{task_id}/delegate", headers=as_("ana"), json={})
    assert both.status_code == 400
    assert api.get(f"{API}/tasks", params={"state": "bogus"},
                   headers=as_("ana")).status_code == 400


def test_only_an_admin_configures_channels(api: TestClient, as_: As) -> None:
    body = {"scope": "role", "target": "underwriter", "format": "slack",
            "url": "http://127.0.0.1:9/hook"}
    assert api.post(f"{API}/notification-channels", json=body,
                    headers=as_("ana")).status_code == 403
    made = api.post(f"{API}/notification-channels", json=body, headers=as_("root"))
    assert made.status_code == 201
    listed = api.get(f"{API}/notification-channels", headers=as_("root")).json()["items"]
    assert [c["format"] for c in listed] == ["slack"]
    gone = api.delete(f"{API}/notification-channels/{made.json()['id']}", headers=as_("root"))
    assert gone.status_code == 204


def test_an_offset_beyond_any_page_is_422_not_a_server_error(api: TestClient, as_: As) -> None:
    for offset in (-1, 2**31, 10**30):  # 10**30 overflowed SQLite's integers: a 500 before
        answer = api.get(f"{API}/tasks", params={"offset": offset}, headers=as_("ana"))
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["code"] == "validation"
