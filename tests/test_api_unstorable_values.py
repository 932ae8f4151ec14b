"""Regression: a lone UTF-16 surrogate in a variable's value or name gave a 500 (the hash
chain's canonical JSON is UTF-8), while NUL and `1e400` were stored though docs/api.md
promises 400. Each is now refused with 400 `bad-request` before anything is written, and
the embedded API refuses the same with `VariablesInvalid`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_callers import Callers
from fastapi.testclient import TestClient
from test_tasks import CLAIM_REVIEW

from runtime import Engine
from runtime.api import create_app
from runtime.core.errors import VariablesInvalid

API = "/api/v1"
HOSTILE = {
    "surrogate-value": ('{"amount": 1, "category": "\\ud800"}', "category contains a lone"),
    "surrogate-name": ('{"amount": 1, "\\udfff": "x"}', "the name '\\udfff' contains a lone"),
    "nul": ('{"amount": 1, "category": "car\\u0000"}', "category contains a NUL"),
    "huge-number": ('{"amount": 1e400}', "amount is a number out of range"),
    "nested": ('{"amount": 1, "payout": [1, {"x": -1e999}]}', "payout[1].x is a number out of"),
}


@pytest.fixture
def client(engine: Engine) -> Iterator[tuple[TestClient, dict[str, str]]]:
    engine.publish(CLAIM_REVIEW)
    app = create_app(engine)
    with TestClient(app) as api:
        yield api, {"content-type": "application/json", **Callers(app).bearer("uma", "operator")}


def _count(engine: Engine) -> int:
    return engine.list_instances().total


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_value_no_store_can_hold_is_400_on_start_and_send(
        client, engine: Engine, case: str) -> None:
    api, headers = client
    variables, message = HOSTILE[case]
    before = _count(engine)
    started = api.post(f"{API}/instances", headers=headers,
                       content=f'{{"definition": "claim-review", "variables": {variables}}}')
    assert started.status_code == 400, started.text
    assert started.json()["error"]["code"] == "bad-request"
    assert message in started.json()["error"]["message"]
    assert _count(engine) == before

    iid = engine.start("claim-review", {"amount": 5})
    history = len(engine.history(iid))
    sent = api.post(f"{API}/instances/{iid}/events", headers=headers,
                    content=f'{{"event": "reject", "payload": {variables}}}')
    assert sent.status_code == 400, sent.text
    assert len(engine.history(iid)) == history


@pytest.mark.parametrize(
    "variables",
    [{"amount": 1, "category": "\ud800"}, {"amount": 1, "\ud800": 1},
     {"amount": 1, "category": "a\x00"}, {"amount": float("inf")}],
    ids=["surrogate-value", "surrogate-name", "nul", "infinity"],
)
def test_the_embedded_api_refuses_them_too(engine: Engine, variables: dict) -> None:
    engine.publish(CLAIM_REVIEW)
    with pytest.raises(VariablesInvalid):
        engine.start("claim-review", variables)
