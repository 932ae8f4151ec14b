"""Probes, metrics, the OpenAPI document and the audit check, as an operator's tools see them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_callers import Callers
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from runtime import Engine
from runtime.api import create_app
from runtime.store import schema

API = "/api/v1"


@pytest.fixture
def app(engine: Engine, loan_approval: dict[str, Any]) -> FastAPI:
    engine.publish(loan_approval)

    @engine.action("credit_score")
    def credit_score(ctx: Any) -> dict[str, Any]:
        return {"score": 640}

    return create_app(engine)


@pytest.fixture
def callers(app: FastAPI) -> Callers:
    return Callers(app)


@pytest.fixture
def api(app: FastAPI, callers: Callers) -> Iterator[TestClient]:
    """The API as the operator Otto calls it; probes and metrics need no token."""
    with TestClient(app, headers=callers.bearer("otto", "operator")) as client:
        yield client


def _start(api: TestClient, amount: int) -> str:
    body = {"definition": "loan-approval", "variables": {"amount": amount}}
    response = api.post(f"{API}/instances", json=body)
    assert response.status_code == 201
    return response.json()["id"]


@pytest.mark.parametrize("prefix", ["", API])
def test_liveness_and_readiness_answer_at_the_root_and_under_the_api(api, prefix):
    assert api.get(f"{prefix}/healthz").json() == {"status": "ok"}
    assert api.get(f"{prefix}/readyz").json() == {"status": "ok"}


def test_readiness_fails_with_503_when_the_database_does_not_answer(api, engine, monkeypatch):
    def unreachable() -> Any:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(engine.store, "read", unreachable)
    response = api.get("/readyz")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"
    assert api.get("/healthz").status_code == 200, "liveness never touches the database"


def test_metrics_count_starts_sends_and_read_gauges_from_the_database(api, engine):
    for amount in (500, 80_000):
        _start(api, amount)
    engine.run_until_idle(timeout_s=10)
    review = engine.list_instances(state="review").items[0].id
    api.post(f"{API}/instances/{review}/events", json={"event": "approve"})
    api.post(f"{API}/instances/{review}/events", json={"event": "approve"})  # now refused

    response = api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    lines = set(response.text.splitlines())
    assert 'statewright_instances_started_total{definition="loan-approval"} 2.0' in lines
    assert 'statewright_events_accepted_total{definition="loan-approval"} 1.0' in lines
    assert 'statewright_events_refused_total{code="event-refused"} 1.0' in lines
    assert "statewright_send_seconds_count 1.0" in lines
    assert 'statewright_instances{status="completed"} 2.0' in lines
    assert "statewright_definitions 1.0" in lines
    assert "statewright_jobs_due 0.0" in lines
    assert "statewright_database_up 1.0" in lines
    assert (
        'statewright_http_requests_total{method="POST",route="/api/v1/instances",status="201"} 2.0'
        in lines
    )


def test_jobs_due_counts_work_waiting_for_a_runner(api, engine):
    _start(api, 500)
    _start(api, 600)
    assert "statewright_jobs_due 2.0" in api.get("/metrics").text.splitlines()


def test_the_openapi_document_describes_every_endpoint_and_the_definition_format(api):
    spec = api.get("/api/openapi.json").json()
    paths = spec["paths"]
    assert {
        "/api/v1/definitions", "/api/v1/definitions/{key}", "/api/v1/definitions/{key}/versions",
        "/api/v1/definitions/{key}/versions/{version}", "/api/v1/instances",
        "/api/v1/instances/{instance_id}", "/api/v1/instances/{instance_id}/events",
        "/api/v1/instances/{instance_id}/history", "/api/v1/audit/verify", "/api/v1/healthz",
        "/api/v1/readyz", "/api/v1/metrics",
    } <= set(paths)
    assert "/healthz" not in paths, "the root probes are aliases, documented once"
    schemas = spec["components"]["schemas"]
    assert "states" in schemas["Definition"]["properties"]
    assert schemas["ErrorResponse"]["properties"]["error"]
    start = paths["/api/v1/instances"]["post"]
    assert set(start["responses"]) >= {"201", "404", "413", "422"}
    assert start["operationId"] == "start_instance"
    links = start["responses"]["201"]["links"]
    assert links["send_event"] == {
        "operationId": "send_event", "parameters": {"instance_id": "$response.body#/id"},
    }
    assert api.get("/api/docs").status_code == 200


def test_the_audit_check_passes_and_then_names_a_tampered_event(api, engine, callers):
    iid = _start(api, 500)
    engine.run_until_idle(timeout_s=10)
    manager = callers.bearer("mia", "manager")
    report = api.get(f"{API}/audit/verify", headers=manager).json()
    assert report["ok"] is True and report["instances"] == 1 and report["events"] > 2

    with engine.store.write() as conn:
        conn.execute(
            update(schema.events)
            .where(schema.events.c.instance_id == iid, schema.events.c.seq == 2)
            .values(actor="mallory")
        )
    broken = api.get(f"{API}/audit/verify", headers=manager)
    assert broken.status_code == 200
    assert (broken.json()["ok"], broken.json()["instance_id"], broken.json()["seq"]) == (
        False, iid, 2,
    )
