"""HTTP Basic on the REST API, for scripts that hold a password: the same checks as a login
(lock-out, one-time passwords refused), cheap on repeat calls, and a changed password or a
disabled account refused on the very next call."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from api_callers import cheap_passwords  # noqa: F401 (fixture)
from fastapi import FastAPI
from fastapi.testclient import TestClient

from runtime import Engine
from runtime.api import create_app
from runtime.security.identity import passwords

API = "/api/v1"
STRONG = "correct horse battery staple"

pytestmark = pytest.mark.usefixtures("cheap_passwords")


@pytest.fixture
def app(engine: Engine, loan_approval: dict[str, Any]) -> FastAPI:
    engine.publish(loan_approval)
    application = create_app(engine)
    application.state.identity.create_user("olga", password=STRONG, roles=["operator"])
    return application


@pytest.fixture
def api(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def basic(username: str, password: str) -> dict[str, str]:
    pair = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


def test_a_password_works_as_basic_credentials_and_the_user_is_the_actor(app, api, engine):
    started = api.post(f"{API}/instances", headers=basic("olga", STRONG),
                       json={"definition": "loan-approval", "variables": {"amount": 100}})
    assert started.status_code == 201, started.text
    instance_id = started.json()["id"]
    assert engine.history(instance_id)[0].actor == "olga"
    refused = api.post(f"{API}/definitions", headers=basic("olga", STRONG), json={})
    assert refused.status_code == 403, "an operator may not publish, whatever the scheme"


def test_repeat_calls_do_not_verify_the_password_again(app, api, monkeypatch):
    assert api.get(f"{API}/instances", headers=basic("olga", STRONG)).status_code == 200
    verified = []
    real = passwords.verify_password
    monkeypatch.setattr(passwords, "verify_password",
                        lambda *args: verified.append(1) or real(*args))
    for _ in range(5):
        assert api.get(f"{API}/instances", headers=basic("olga", STRONG)).status_code == 200
    assert verified == []


def test_a_changed_password_or_disabled_account_is_refused_on_the_next_call(app, api):
    identity = app.state.identity
    assert api.get(f"{API}/instances", headers=basic("olga", STRONG)).status_code == 200
    identity.change_password("olga", "another long passphrase")
    assert api.get(f"{API}/instances", headers=basic("olga", STRONG)).status_code == 401
    assert api.get(f"{API}/instances",
                   headers=basic("olga", "another long passphrase")).status_code == 200
    identity.disable("olga")
    assert api.get(f"{API}/instances",
                   headers=basic("olga", "another long passphrase")).status_code == 401


def test_wrong_or_malformed_credentials_get_401_naming_the_problem(app, api):
    wrong = api.get(f"{API}/instances", headers=basic("olga", "not it"))
    assert wrong.status_code == 401
    assert wrong.json()["error"]["message"] == "Wrong username or password."
    garbled = api.get(f"{API}/instances", headers={"Authorization": "Basic %%%"})
    assert garbled.status_code == 401
    assert "base64" in garbled.json()["error"]["message"]


def test_a_one_time_password_must_be_changed_before_basic_works(app, api):
    app.state.identity.create_user("neo", password=STRONG, roles=["operator"],
                                   must_change_password=True)
    refused = api.get(f"{API}/instances", headers=basic("neo", STRONG))
    assert refused.status_code == 401
    assert "one-time password" in refused.json()["error"]["message"]
