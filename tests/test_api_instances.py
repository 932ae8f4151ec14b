"""REST stories of instances: operators start loans, send decisions and read the logs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_callers import Callers
from fastapi import FastAPI
from fastapi.testclient import TestClient

from runtime import Engine
from runtime.api import create_app

API = "/api/v1"


@pytest.fixture
def app(engine: Engine, loan_approval: dict[str, Any]) -> FastAPI:
    """The API over an engine with the loan process published and its scoring action."""
    loan_approval["variables"].append({"name": "ssn", "type": "string", "sensitive": True})
    engine.publish(loan_approval)

    @engine.action("credit_score")
    def credit_score(ctx: Any) -> dict[str, Any]:
        return {"score": 712}

    return create_app(engine)


@pytest.fixture
def callers(app: FastAPI) -> Callers:
    return Callers(app)


@pytest.fixture
def api(app: FastAPI, callers: Callers) -> Iterator[TestClient]:
    """The API as the operator Otto calls it."""
    with TestClient(app, headers=callers.bearer("otto", "operator")) as client:
        yield client


def _start(api: TestClient, amount: float, **extra: Any) -> dict[str, Any]:
    body = {"definition": "loan-approval", "variables": {"amount": amount}, **extra}
    response = api.post(f"{API}/instances", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _in_review(api: TestClient, engine: Engine, **extra: Any) -> str:
    iid = _start(api, 50_000, **extra)["id"]
    engine.run_until_idle(timeout_s=10)
    assert api.get(f"{API}/instances/{iid}").json()["state"] == "review"
    return iid


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert set(response.json()["error"]) == {"code", "message", "details"}
    assert response.json()["error"]["code"] == code
    return response.json()["error"]


def _stored(engine: Engine) -> tuple[int, int]:
    """(instances, events) in the whole database."""
    page = engine.list_instances(limit=500)
    return page.total, sum(len(engine.history(i.id)) for i in page.items)


def test_an_operator_starts_a_loan_and_it_is_scored_and_approved(api, engine):
    started = _start(api, 5000, business_key="LN-1001")
    assert (started["definition"], started["version"]) == ("loan-approval", 1)
    assert (started["state"], started["status"]) == ("score", "running")
    assert started["business_key"] == "LN-1001"
    engine.run_until_idle(timeout_s=10)
    done = api.get(f"{API}/instances/{started['id']}").json()
    assert (done["state"], done["status"]) == ("approved", "completed")
    assert done["variables"] == {"amount": 5000, "score": 712}


def test_an_operator_approves_and_the_history_shows_who_did_what(api, engine, callers):
    iid = _in_review(api, engine)
    response = api.post(
        f"{API}/instances/{iid}/events",
        json={"event": "approve", "payload": {"comment": "good payer"}},
        headers=callers.bearer("uma", "operator"),
    )
    assert response.status_code == 200, response.text
    assert (response.json()["state"], response.json()["status"]) == ("approved", "completed")

    history = api.get(f"{API}/instances/{iid}/history").json()
    assert history["instance_id"] == iid
    events = history["events"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["type"] == "instance_started" and events[0]["actor"] == "otto"
    assert events[-1]["type"] == "transition" and events[-1]["actor"] == "uma"
    assert events[-1]["data"]["to"] == "approved"
    assert all(len(e["hash"]) == 64 and e["at"] for e in events)


def test_sensitive_variables_are_masked_in_instances_and_history(api, engine):
    started = api.post(
        f"{API}/instances",
        json={"definition": "loan-approval", "variables": {"amount": 800, "ssn": "078-05-1120"}},
    ).json()
    assert started["variables"]["ssn"] == "***"
    engine.run_until_idle(timeout_s=10)
    for response in (
        api.get(f"{API}/instances/{started['id']}"),
        api.get(f"{API}/instances/{started['id']}/history"),
        api.get(f"{API}/instances"),
    ):
        assert response.status_code == 200
        assert "078-05-1120" not in response.text
    assert engine.get(started["id"]).variables["ssn"] == "078-05-1120", "kept for the process"


def test_instances_are_listed_with_filters_paging_and_a_total(api, engine):
    ids = [_start(api, 500 * (n + 1))["id"] for n in range(3)]
    review = _in_review(api, engine)
    listed = api.get(f"{API}/instances", params={"definition": "loan-approval"}).json()
    assert listed["total"] == 4 and {i["id"] for i in listed["items"]} == {*ids, review}

    page = api.get(f"{API}/instances", params={"limit": 2, "offset": 2}).json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (4, 2, 2, 2)

    waiting = api.get(f"{API}/instances", params={"state": "review", "status": "running"}).json()
    assert [i["id"] for i in waiting["items"]] == [review]
    done = api.get(f"{API}/instances", params={"status": "completed", "version": 1}).json()
    assert done["total"] == 3
    assert api.get(f"{API}/instances", params={"definition": "purchase-order"}).json() == {
        "items": [], "total": 0, "limit": 50, "offset": 0,
    }


def test_repeating_a_start_or_an_event_with_the_same_idempotency_key_does_it_once(api, engine):
    first = _start(api, 90_000, idempotency_key="form-submit-77")
    again = _start(api, 90_000, idempotency_key="form-submit-77")
    assert first["id"] == again["id"]
    assert api.get(f"{API}/instances").json()["total"] == 1

    engine.run_until_idle(timeout_s=10)
    body = {"event": "request_docs", "idempotency_key": "click-1"}
    one = api.post(f"{API}/instances/{first['id']}/events", json=body)
    two = api.post(f"{API}/instances/{first['id']}/events", json=body)
    assert one.status_code == two.status_code == 200
    assert one.json()["state"] == two.json()["state"] == "wait_docs"
    transitions = [
        e for e in api.get(f"{API}/instances/{first['id']}/history").json()["events"]
        if e["type"] == "transition" and e["data"].get("event") == "request_docs"
    ]
    assert len(transitions) == 1


def test_starting_an_unknown_process_or_version_is_404_and_stores_nothing(api, engine):
    before = _stored(engine)
    error = _error(
        api.post(f"{API}/instances", json={"definition": "travel-request", "variables": {}}),
        404, "not-found",
    )
    assert "travel-request" in error["message"]
    _error(
        api.post(f"{API}/instances", json={"definition": "loan-approval", "version": 3,
                                           "variables": {"amount": 1}}),
        404, "not-found",
    )
    assert _stored(engine) == before


def test_wrong_variable_types_are_422_naming_the_variable_and_store_nothing(api, engine):
    before = _stored(engine)
    error = _error(
        api.post(f"{API}/instances", json={"definition": "loan-approval",
                                           "variables": {"amount": "a lot"}}),
        422, "variables-invalid",
    )
    assert "amount" in error["message"] and "amount" in str(error["details"])
    missing = _error(
        api.post(f"{API}/instances", json={"definition": "loan-approval", "variables": {}}),
        422, "variables-invalid",
    )
    assert "amount" in str(missing["details"])
    assert _stored(engine) == before


@pytest.mark.parametrize(
    "body",
    [
        {"variables": {"amount": 1}},  # no definition
        {"definition": "loan-approval", "variables": [1]},
        {"definition": "loan-approval", "variables": {}, "color": "red"},
        {"definition": "loan-approval", "version": 0},
        {"definition": "loan-approval", "idempotency_key": "tab\tin key"},
    ],
)
def test_a_start_request_of_the_wrong_shape_is_422(api, engine, body):
    before = _stored(engine)
    error = _error(api.post(f"{API}/instances", json=body), 422, "validation")
    assert error["details"]["errors"][0]["location"].startswith("body")
    assert _stored(engine) == before


def test_an_event_the_state_does_not_take_is_409_listing_the_accepted_ones(api, engine):
    iid = _in_review(api, engine)
    before = _stored(engine)
    error = _error(
        api.post(f"{API}/instances/{iid}/events", json={"event": "docs_received"}),
        409, "event-refused",
    )
    assert error["details"]["accepted"] == ["approve", "request_docs", "pause", "reject"]
    assert "docs_received" in error["message"]
    assert _stored(engine) == before


def test_a_payload_of_the_wrong_type_is_422_and_the_instance_does_not_move(api, engine):
    iid = _in_review(api, engine)
    before = _stored(engine)
    error = _error(
        api.post(f"{API}/instances/{iid}/events",
                 json={"event": "approve", "payload": {"comment": 42}}),
        422, "variables-invalid",
    )
    assert "comment" in error["message"]
    assert _stored(engine) == before
    assert api.get(f"{API}/instances/{iid}").json()["state"] == "review"


def test_an_unknown_instance_is_404_everywhere(api, engine):
    before = _stored(engine)
    missing = "6f1c2d7e-0000-4000-8000-000000000000"
    for response in (
        api.get(f"{API}/instances/{missing}"),
        api.get(f"{API}/instances/{missing}/history"),
        api.post(f"{API}/instances/{missing}/events", json={"event": "approve"}),
    ):
        error = _error(response, 404, "not-found")
        assert missing in error["message"]
    assert _stored(engine) == before


def test_bad_filters_and_paging_are_422(api):
    for params in ({"status": "sleeping"}, {"limit": 0}, {"limit": 501}, {"offset": -1},
                   {"definition": "Loan Approval"}, {"state": "has space"}):
        _error(api.get(f"{API}/instances", params=params), 422, "validation")
