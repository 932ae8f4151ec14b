"""Sensitive variables never reach the database in the clear, yet the engine works with them."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from sqlalchemy import select

from runtime import Engine, EngineError
from runtime.store import schema as t

SSN, NEW_SSN = "078-05-1120", "219-09-9999"

PROCESS = {
    "key": "kyc-check",
    "variables": [{"name": "ssn", "type": "string", "sensitive": True},
                  {"name": "name", "type": "string"}],
    "states": [{"id": "received", "type": "start"},
               {"id": "verify", "type": "task", "action": "verify_identity"},
               {"id": "correct", "type": "wait"},
               {"id": "verified", "type": "end"}, {"id": "failed", "type": "end",
                                                    "outcome": "failed"}],
    "transitions": [{"from": "received", "to": "correct"},
                    {"from": "correct", "to": "verify", "on": "corrected"},
                    {"from": "verify", "to": "verified", "on": "done",
                     "when": "ssn.startsWith('219')"},
                    {"from": "verify", "to": "correct", "on": "done", "default": True},
                    {"from": "verify", "to": "failed", "on": "error"}],
}


def _stored_text(engine: Engine) -> str:
    with engine.store.read() as conn:
        columns = (t.events.c.data, t.instances.c.variables, t.idempotency_keys.c.result)
        rows = [row for column in columns for row in conn.execute(select(column))]
    return json.dumps([list(r) for r in rows])


def test_an_ssn_is_sealed_at_rest_and_clear_to_the_engine(db_url):
    seen: list[Any] = []
    with Engine(db_url) as engine:
        engine.publish(PROCESS)
        engine.action("verify_identity")(lambda ctx: seen.append(ctx.variables["ssn"]) or {})
        iid = engine.start("kyc-check", {"ssn": SSN, "name": "Ada"}, actor="clerk")
        engine.send(iid, "corrected", {"ssn": NEW_SSN}, actor="clerk", idempotency_key="fix-1")
        again = engine.send(iid, "corrected", {"ssn": NEW_SSN}, actor="clerk",
                            idempotency_key="fix-1")
        engine.run_until_idle()
        assert seen == [NEW_SSN]
        assert again.variables["ssn"] == NEW_SSN
        assert engine.get(iid).state == "verified"  # the guard read the clear value
        assert engine.get(iid).variables == {"ssn": NEW_SSN, "name": "Ada"}
        assert engine.history(iid)[0].data["variables"]["ssn"] == SSN
        stored = _stored_text(engine)
        assert SSN not in stored and NEW_SSN not in stored and "Ada" in stored
        assert engine.verify_audit().ok


def test_a_key_ring_without_the_wrapping_key_cannot_read_sealed_values(
        sqlite_url, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("STATEWRIGHT_KEYS", "first:" + base64.b64encode(b"1" * 32).decode())
    with Engine(sqlite_url) as engine:
        engine.publish(PROCESS)
        iid = engine.start("kyc-check", {"ssn": SSN}, actor="clerk")
    monkeypatch.setenv("STATEWRIGHT_KEYS", "other:" + base64.b64encode(b"2" * 32).decode())
    with Engine(sqlite_url) as engine, pytest.raises(EngineError, match="KEK 'first'"):
        engine.get(iid)
