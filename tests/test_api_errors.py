"""Bad requests get a clear 4xx in the error shape and store nothing; crashes leak nothing."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from api_callers import Callers
from fastapi.testclient import TestClient
from sqlalchemy.exc import DataError, OperationalError
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from runtime import ConcurrencyError, Engine, StoreUnavailable
from runtime.api import create_app

API = "/api/v1"
LIMIT = 1_000_000


@pytest.fixture
def api(engine: Engine, loan_approval: dict[str, Any]) -> Iterator[TestClient]:
    """The API as the operator Otto calls it."""
    engine.publish(loan_approval)
    app = create_app(engine)
    with TestClient(app, headers=Callers(app).bearer("otto", "operator")) as client:
        yield client


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert set(response.json()["error"]) == {"code", "message", "details"}
    assert response.json()["error"]["code"] == code
    return response.json()["error"]


def _instances(engine: Engine) -> int:
    return engine.list_instances().total


def _start_body(applicant_chars: int) -> bytes:
    variables = {"amount": 20_000, "applicant": "x" * applicant_chars}
    return json.dumps({"definition": "loan-approval", "variables": variables}).encode()


def test_a_body_over_one_megabyte_is_refused_with_413_before_anything_is_stored(api, engine):
    body = _start_body(LIMIT)
    error = _error(
        api.post(f"{API}/instances", content=body, headers={"content-type": "application/json"}),
        413, "payload-too-large",
    )
    assert error["details"] == {"limit_bytes": LIMIT}
    assert str(len(body)) in error["message"]
    assert _instances(engine) == 0


def test_a_chunked_body_over_the_limit_is_refused_too(api, engine):
    body = _start_body(LIMIT)
    chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))
    response = api.post(f"{API}/instances", content=chunks,
                        headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers
    _error(response, 413, "payload-too-large")
    assert _instances(engine) == 0


def test_a_body_just_under_the_limit_is_accepted(api, engine):
    body = _start_body(LIMIT - 200)
    assert len(body) < LIMIT
    chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))
    response = api.post(f"{API}/instances", content=chunks)
    assert response.status_code == 201, response.text[:300]
    assert _instances(engine) == 1


@pytest.mark.parametrize("body", [b'{"definition": "loan-approval",', b"{'a': 1}", b"\xff\xfe"])
def test_malformed_json_is_400_and_stores_nothing(api, engine, body):
    response = api.post(f"{API}/instances", content=body,
                        headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] in ("malformed-json", "bad-request")
    assert _instances(engine) == 0


def test_json_without_a_content_type_is_still_read_as_json(api, engine):
    body = json.dumps({"definition": "loan-approval", "variables": {"amount": 10}})
    assert api.post(f"{API}/instances", content=body).status_code == 201


def test_values_json_should_not_carry_are_refused_naming_where(api, engine):
    body = '{"definition": "loan-approval", "variables": {"amount": NaN}}'
    error = _error(api.post(f"{API}/instances", content=body), 422, "validation")
    assert "variables" in error["details"]["errors"][0]["location"]
    assert "amount" in error["message"]
    deep: Any = "bottom"
    for _ in range(80):
        deep = {"level": deep}
    body = json.dumps({"definition": "loan-approval", "variables": {"amount": 1, "file": deep}})
    _error(api.post(f"{API}/instances", content=body), 422, "validation")
    assert _instances(engine) == 0


def test_unknown_endpoints_and_methods_answer_in_the_error_shape(api):
    error = _error(api.get(f"{API}/workflows"), 404, "not-found")
    assert "/api/v1/workflows" in error["message"]
    _error(api.delete(f"{API}/definitions"), 405, "method-not-allowed")


def test_a_web_ui_mounted_at_the_root_does_not_swallow_unknown_api_paths(engine):
    app = create_app(engine)
    app.mount("/", Starlette(routes=[Route("/{page:path}", lambda r: HTMLResponse("<html>"))]))
    with TestClient(app, headers=Callers(app).bearer("ana", "analyst")) as client:
        assert client.get("/inbox").text == "<html>"
        _error(client.get(f"{API}/workflows"), 404, "not-found")
        refused = client.delete(f"{API}/definitions")
        _error(refused, 405, "method-not-allowed")
        assert refused.headers["allow"] == "GET, POST"
        assert client.get(f"{API}/definitions").status_code == 200


def test_an_actor_header_cannot_impersonate_anyone(api, engine):
    response = api.post(
        f"{API}/instances",
        json={"definition": "loan-approval", "variables": {"amount": 1}},
        headers={"X-Statewright-Actor": "the-ceo"},
    )
    assert response.status_code == 201
    assert response.json()["started_by"] == "otto"
    assert engine.history(response.json()["id"])[0].actor == "otto"


def test_a_crash_answers_500_with_a_request_id_and_logs_the_traceback(api, engine, monkeypatch,
                                                                    caplog):
    def broken(instance_id: str) -> Any:
        raise RuntimeError("connection string postgresql://secret@db")

    monkeypatch.setattr(engine, "get", broken)
    with caplog.at_level(logging.ERROR, logger="statewright.api"):
        response = api.get(f"{API}/instances/abc", headers={"X-Request-ID": "req-42"})
    error = _error(response, 500, "internal")
    assert error["details"] == {"request_id": "req-42"}
    assert response.headers["x-request-id"] == "req-42"
    assert "secret" not in response.text and "Traceback" not in response.text
    assert "req-42" in caplog.text and "RuntimeError" in caplog.text


def test_a_lost_race_is_409_and_an_unreachable_database_503(api, engine, monkeypatch):
    def raced(*args: Any, **kwargs: Any) -> Any:
        raise ConcurrencyError("instance 7 was changed by another writer")

    def down(*args: Any, **kwargs: Any) -> Any:
        raise StoreUnavailable("cannot open the database sqlite:///gone.db")

    monkeypatch.setattr(engine, "send", raced)
    error = _error(api.post(f"{API}/instances/7/events", json={"event": "approve"}), 409,
                   "concurrency-conflict")
    assert "another writer" in error["message"]
    monkeypatch.setattr(engine, "definitions", down)
    _error(api.get(f"{API}/definitions"), 503, "store-unavailable")

    def connection_lost(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(engine, "list_instances", connection_lost)
    response = api.get(f"{API}/instances")
    error = _error(response, 503, "unavailable")
    assert "server closed" not in error["message"] and response.headers["retry-after"] == "1"


def test_every_answer_carries_a_request_id(api):
    first = api.get("/healthz").headers["x-request-id"]
    second = api.get(f"{API}/definitions/nope").headers["x-request-id"]
    assert len(first) == 32 and first != second


def test_a_value_the_database_refuses_is_400_without_echoing_it(api, engine, monkeypatch):
    def refused(*args: Any, **kwargs: Any) -> Any:
        raise DataError("INSERT", {}, Exception("text fields cannot contain NUL: 'secret\x00'"))

    monkeypatch.setattr(engine, "list_instances", refused)
    error = _error(api.get(f"{API}/instances"), 400, "bad-request")
    assert "cannot be stored" in error["message"] and "secret" not in error["message"]
