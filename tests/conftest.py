"""Database fixtures: the engine suites run on SQLite (a temp file) and on PostgreSQL.

Each PostgreSQL test gets a fresh schema `sw_test_<random>` (search_path set through the
connection options) that is dropped afterwards. When the server is unreachable those tests
skip, unless `STATEWRIGHT_REQUIRE_POSTGRES=1` (CI), where they fail.
"""

from __future__ import annotations

import copy
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from runtime import Engine, ManualClock

POSTGRES_URL = os.environ.get(
    "STATEWRIGHT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)

LOAN_APPROVAL: dict[str, Any] = {
    "schema": "statewright/v1",
    "key": "loan-approval",
    "name": "Loan approval",
    "variables": [
        {"name": "amount", "type": "number", "required": True},
        {"name": "applicant", "type": "string"},
        {"name": "score", "type": "integer"},
        {"name": "comment", "type": "string"},
    ],
    "states": [
        {"id": "received", "type": "start"},
        {
            "id": "score",
            "type": "task",
            "action": "credit_score",
            "retry": {"max_attempts": 3, "initial_s": 1, "multiplier": 2, "max_s": 60, "jitter": 0},
        },
        {"id": "route", "type": "decision"},
        {"id": "review", "type": "human", "role": "underwriter", "sla_s": 86400},
        {"id": "wait_docs", "type": "wait", "timeout_s": 3600},
        {"id": "cooldown", "type": "timer", "duration_s": 600},
        {"id": "approved", "type": "end", "outcome": "completed"},
        {"id": "rejected", "type": "end", "outcome": "failed"},
    ],
    "transitions": [
        {"from": "received", "to": "score"},
        {"from": "score", "to": "route", "on": "done"},
        {"from": "score", "to": "rejected", "on": "error"},
        {"from": "route", "to": "approved", "when": "amount < 10000"},
        {"from": "route", "to": "review", "default": True},
        {"from": "review", "to": "approved", "on": "approve", "set": {"comment": "'approved'"}},
        {"from": "review", "to": "wait_docs", "on": "request_docs"},
        {"from": "review", "to": "cooldown", "on": "pause"},
        {"from": "review", "to": "rejected", "on": "reject"},
        {"from": "wait_docs", "to": "review", "on": "docs_received"},
        {"from": "wait_docs", "to": "rejected", "on": "timeout"},
        {"from": "cooldown", "to": "review", "on": "elapsed"},
    ],
    "layout": {"received": {"x": 0, "y": 0}},
}


def _postgres_available() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    import psycopg

    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return None
    except Exception as exc:
        return str(exc).strip().splitlines()[0]


@pytest.fixture(scope="session")
def postgres_server() -> str:
    reason = _postgres_available()
    if reason is not None:
        message = f"PostgreSQL at {POSTGRES_URL} is not reachable: {reason}"
        if os.environ.get("STATEWRIGHT_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return POSTGRES_URL


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A URL whose connections use a fresh, empty schema."""
    import psycopg

    schema = f"sw_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{postgres_server}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def sqlite_url(tmp_path: Any) -> str:
    return f"sqlite:///{tmp_path / 'statewright.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """The database URL, once for SQLite and once for PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def engine(db_url: str, clock: ManualClock) -> Iterator[Engine]:
    with Engine(db_url, clock=clock) as eng:
        yield eng


@pytest.fixture
def loan_approval() -> dict[str, Any]:
    """A realistic loan process: task with retries, decision, human review, wait, timer."""
    return copy.deepcopy(LOAN_APPROVAL)


@pytest.fixture
def allow_local_webhooks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Notifications may reach the tests' receivers on 127.0.0.1: loopback is refused unless
    `STATEWRIGHT_ALLOW_PRIVATE_WEBHOOKS` allows it (runtime/people/notifications/targets.py)."""
    monkeypatch.setenv("STATEWRIGHT_ALLOW_PRIVATE_WEBHOOKS", "127.0.0.1")
