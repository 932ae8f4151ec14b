"""REST stories of definitions: an analyst publishes, republishes and reads versions."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from api_callers import Callers
from fastapi.testclient import TestClient

from runtime import Engine
from runtime.api import create_app

API = "/api/v1"


@pytest.fixture
def api(engine: Engine) -> Iterator[TestClient]:
    """The API as the analyst Ana sees it."""
    app = create_app(engine)
    with TestClient(app, headers=Callers(app).bearer("ana", "analyst")) as client:
        yield client


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    return body["error"]


def test_an_analyst_publishes_a_process_and_republishing_it_is_a_no_op(api, loan_approval):
    first = api.post(f"{API}/definitions", json=loan_approval)
    assert first.status_code == 201
    assert first.json()["version"] == 1 and first.json()["existed"] is False
    assert first.json()["definition"]["key"] == "loan-approval"

    again = api.post(f"{API}/definitions", json=loan_approval)
    assert again.status_code == 200
    assert (again.json()["version"], again.json()["existed"]) == (1, True)

    loan_approval["layout"] = {"received": {"x": 300, "y": 40}}
    moved = api.post(f"{API}/definitions/loan-approval/versions", json=loan_approval)
    assert moved.status_code == 200 and moved.json()["version"] == 1, "layout alone is no version"


def test_a_changed_process_becomes_version_two_and_both_stay_readable(api, loan_approval):
    api.post(f"{API}/definitions", json=loan_approval)
    changed = copy.deepcopy(loan_approval)
    changed["states"][3]["sla_s"] = 3600
    changed.pop("key")  # the path names the key
    published = api.post(f"{API}/definitions/loan-approval/versions", json=changed)
    assert published.status_code == 201
    assert (published.json()["version"], published.json()["existed"]) == (2, False)

    listed = api.get(f"{API}/definitions").json()
    assert listed["total"] == 1
    assert listed["items"][0] == {
        "key": "loan-approval",
        "name": "Loan approval",
        "latest_version": 2,
        "version_count": 2,
    }

    detail = api.get(f"{API}/definitions/loan-approval").json()
    assert [v["version"] for v in detail["versions"]] == [1, 2]
    assert detail["latest_version"] == 2
    assert detail["definition"]["states"][3]["sla_s"] == 3600
    assert all(len(v["content_hash"]) == 64 and v["published_at"] for v in detail["versions"])

    v1 = api.get(f"{API}/definitions/loan-approval/versions/1").json()
    assert v1["version"] == 1 and v1["definition"]["states"][3]["sla_s"] == 86400


def test_unknown_definitions_and_versions_are_404(api, loan_approval):
    error = _error(api.get(f"{API}/definitions/travel-request"), 404, "not-found")
    assert "travel-request" in error["message"]
    api.post(f"{API}/definitions", json=loan_approval)
    error = _error(api.get(f"{API}/definitions/loan-approval/versions/7"), 404, "not-found")
    assert error["details"] == {"definition": "loan-approval", "version": 7}


def test_a_process_with_a_dead_end_is_refused_with_its_findings(api, loan_approval):
    loan_approval["transitions"] = [
        t for t in loan_approval["transitions"] if t["from"] != "wait_docs"
    ]
    error = _error(api.post(f"{API}/definitions", json=loan_approval), 422, "definition-invalid")
    findings = error["details"]["findings"]
    dead_end = next(f for f in findings if f["code"] == "dead-end")
    assert dead_end["states"] == ["wait_docs"] and dead_end["severity"] == "error"
    assert set(dead_end) == {"code", "severity", "message", "states", "transitions"}
    assert api.get(f"{API}/definitions").json()["total"] == 0, "nothing was published"


def test_a_document_that_does_not_match_the_format_gets_schema_findings(api, loan_approval):
    loan_approval["states"][2]["type"] = "gateway"
    error = _error(api.post(f"{API}/definitions", json=loan_approval), 422, "definition-invalid")
    assert {f["code"] for f in error["details"]["findings"]} == {"schema"}
    assert any("states[2]" in f["message"] for f in error["details"]["findings"])


def test_the_path_key_and_document_key_must_agree(api, loan_approval):
    error = _error(
        api.post(f"{API}/definitions/purchase-order/versions", json=loan_approval),
        422,
        "key-mismatch",
    )
    assert error["details"] == {"path_key": "purchase-order", "document_key": "loan-approval"}
    assert api.get(f"{API}/definitions").json()["total"] == 0


def test_a_definition_with_values_json_cannot_carry_is_refused(api, loan_approval):
    body = '{"schema": "statewright/v1", "key": "odd", "layout": {"a": {"x": NaN, "y": 0}}}'
    response = api.post(
        f"{API}/definitions", content=body, headers={"content-type": "application/json"}
    )
    error = _error(response, 422, "definition-invalid")
    assert "layout.a.x" in error["message"]


@pytest.mark.parametrize("body", [[1, 2], "loan", 42])
def test_a_definition_body_must_be_an_object(api, body):
    error = _error(api.post(f"{API}/definitions", json=body), 422, "validation")
    assert error["details"]["errors"][0]["location"] == "body"


def test_bad_keys_and_versions_in_the_path_are_422(api):
    _error(api.get(f"{API}/definitions/Loan_Approval"), 422, "validation")
    _error(api.get(f"{API}/definitions/loan/versions/0"), 422, "validation")
    _error(api.get(f"{API}/definitions/loan/versions/99999999999"), 422, "validation")
