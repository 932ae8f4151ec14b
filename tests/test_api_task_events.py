"""Regression: an operator completed a human task claimed by someone else, skipping its
form's required fields, by sending the task's event to `POST /instances/{id}/events`."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from api_callers import Callers
from fastapi import FastAPI
from fastapi.testclient import TestClient
from test_tasks import CLAIM_REVIEW

from runtime import Engine
from runtime.api import create_app

API = "/api/v1"
ROLES = {"ana": {"underwriter"}, "uma": {"operator"}, "olga": {"operator", "underwriter"}}
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
    callers = Callers(app)
    return lambda user: callers.bearer(user, *ROLES[user])


def _waiting(api: TestClient, engine: Engine, as_: As) -> tuple[str, str]:
    iid = engine.start("claim-review", {"amount": 500})
    page = api.get(f"{API}/tasks", params={"state": "open"}, headers=as_("ana")).json()
    return iid, next(t["id"] for t in page["items"] if t["instance_id"] == iid)


def test_an_operator_cannot_complete_a_task_claimed_by_someone_else(
        api: TestClient, engine: Engine, as_: As) -> None:
    iid, task_id = _waiting(api, engine, as_)
    assert api.post(f"{API}/tasks/{task_id}/claim", headers=as_("ana")).status_code == 200
    history = len(engine.history(iid))

    sent = api.post(f"{API}/instances/{iid}/events", headers=as_("uma"),
                    json={"event": "approve", "payload": {"decision_note": "pushed through"}})
    assert sent.status_code == 409, sent.text
    error = sent.json()["error"]
    assert error["code"] == "task-event"
    assert error["details"]["task"] == task_id and error["details"]["assignee"] == "ana"
    assert "claimed by 'ana'" in error["message"] and "move" in error["message"]
    assert engine.get(iid).state != "paid" and len(engine.history(iid)) == history
    # the same refusal the task route gives
    other = api.post(f"{API}/tasks/{task_id}/complete", headers=as_("olga"),
                     json={"outcome": "approve", "data": {"decision_note": "x"}})
    assert other.status_code == 409


def test_the_forms_required_fields_cannot_be_skipped_through_the_instance(
        api: TestClient, engine: Engine, as_: As) -> None:
    iid, _ = _waiting(api, engine, as_)
    sent = api.post(f"{API}/instances/{iid}/events", headers=as_("uma"),
                    json={"event": "approve"})
    assert sent.status_code == 422, sent.text
    assert sent.json()["error"]["code"] == "form-invalid"
    assert sent.json()["error"]["details"]["fields"] == {"decision_note": "required"}
    assert engine.get(iid).state == "review"


def test_the_assignee_may_still_send_the_event_with_the_form_filled(
        api: TestClient, engine: Engine, as_: As) -> None:
    iid, task_id = _waiting(api, engine, as_)
    api.post(f"{API}/tasks/{task_id}/claim", headers=as_("olga"))
    sent = api.post(f"{API}/instances/{iid}/events", headers=as_("olga"),
                    json={"event": "approve", "payload": {"decision_note": "fine"}})
    assert sent.status_code == 200, sent.text
    assert engine.get(iid).state == "paid"
