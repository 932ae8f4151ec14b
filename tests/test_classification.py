"""Classification: a payroll clerk's process with public, internal, confidential and
restricted variables, read through the REST API by an operator, a manager, an auditor and a
task worker; and the definition rules (`conflicting-classification`, `sensitive` ≡
`restricted`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_callers import Callers
from fastapi import FastAPI
from fastapi.testclient import TestClient

from runtime import Engine
from runtime.api import create_app
from runtime.security.identity.permissions import ROLE_PERMISSIONS
from shared.classification import confidential_names, hidden_names
from shared.definition import Definition
from shared.sensitivity import sensitive_names
from shared.validation import validate

API = "/api/v1"

PAYROLL: dict[str, Any] = {
    "schema": "statewright/v1",
    "key": "salary-change",
    "name": "Salary change",
    "variables": [
        {"name": "team", "type": "string", "classification": "public"},
        {"name": "employee", "type": "string"},
        {"name": "salary", "type": "number", "classification": "confidential"},
        {"name": "bank_account", "type": "string", "classification": "restricted",
         "pii": ["iban"]},
        {"name": "tax_id", "type": "string", "sensitive": True},
        {"name": "raise_note", "type": "string"},
    ],
    "states": [
        {"id": "asked", "type": "start"},
        {"id": "approve", "type": "human", "role": "hr-partner"},
        {"id": "done", "type": "end", "outcome": "completed"},
    ],
    "transitions": [
        {"from": "asked", "to": "approve",
         "set": {"raise_note": "'new salary ' + string(salary)"}},
        {"from": "approve", "to": "done", "on": "approve"},
    ],
}
START = {"team": "payroll", "employee": "Jane Roe", "salary": 64000,
         "bank_account": "DE89 3704 0044 0532 0130 00", "tax_id": "12 345 678 901"}


@pytest.fixture
def app(engine: Engine) -> FastAPI:
    engine.publish(PAYROLL)
    return create_app(engine)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def _variables(client: TestClient, headers: dict[str, str], iid: str) -> dict[str, Any]:
    response = client.get(f"{API}/instances/{iid}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["variables"]


def test_an_operator_sees_confidential_values_and_a_manager_sees_them_masked(
        app: FastAPI, client: TestClient) -> None:
    callers = Callers(app)
    otto, mia = callers.bearer("otto", "operator"), callers.bearer("mia", "manager")
    started = client.post(f"{API}/instances", headers=otto,
                          json={"definition": "salary-change", "variables": START})
    assert started.status_code == 201, started.text
    iid = started.json()["id"]
    for_otto, for_mia = _variables(client, otto, iid), _variables(client, mia, iid)
    assert for_otto["salary"] == 64000 and for_otto["raise_note"] == "new salary 64000"
    assert for_mia["salary"] == "***" and for_mia["raise_note"] == "***"  # derived: masked too
    for seen in (for_otto, for_mia):
        assert (seen["team"], seen["employee"]) == ("payroll", "Jane Roe")
        assert seen["bank_account"] == seen["tax_id"] == "***"  # restricted: nobody
    history = client.get(f"{API}/instances/{iid}/history", headers=mia).json()["events"]
    assert "64000" not in str(history)
    assert "64000" in str(client.get(f"{API}/instances/{iid}/history", headers=otto).json())
    listed = client.get(f"{API}/instances", headers=mia).json()["items"][0]["variables"]
    assert listed["salary"] == "***"


def test_who_may_see_confidential_values() -> None:
    holders = {role for role, granted in ROLE_PERMISSIONS.items()
               if "variables.confidential" in granted}
    assert holders == {"admin", "operator"}


def test_sensitive_true_is_restricted_and_sealed_like_classification_restricted() -> None:
    definition = Definition.model_validate(PAYROLL)
    assert sensitive_names(definition) == {"bank_account", "tax_id"}
    assert confidential_names(definition) == {"salary", "raise_note"}
    assert hidden_names(definition, sees_confidential=True) == {"bank_account", "tax_id"}
    assert [v.level for v in definition.variables] == [
        "public", "internal", "confidential", "restricted", "restricted", "internal"]


def test_sensitive_with_another_classification_is_refused_with_a_code() -> None:
    document = {**PAYROLL, "variables": [
        {"name": "tax_id", "type": "string", "sensitive": True, "classification": "public"}]}
    report = validate(document)
    assert [(f.code, f.severity) for f in report.errors] == [
        ("conflicting-classification", "error")]
    assert "tax_id" in report.errors[0].message
    agreeing = {**PAYROLL, "variables": [
        {"name": "tax_id", "type": "string", "sensitive": True,
         "classification": "restricted"}]}
    assert not [f for f in validate(agreeing).findings if f.code == "conflicting-classification"]


def test_an_unknown_classification_or_pii_kind_is_a_schema_error() -> None:
    for variable in ({"name": "x", "classification": "secret"}, {"name": "x", "pii": ["dna"]}):
        report = validate({**PAYROLL, "variables": [variable]})
        assert [f.code for f in report.errors] == ["schema"]


def test_versions_without_classifications_keep_their_content_hash() -> None:
    plain = {**PAYROLL, "variables": [{"name": "employee", "type": "string"}]}
    assert "classification" not in str(Definition.model_validate(plain).to_document())
