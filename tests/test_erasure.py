"""Crypto-shredding: a data-protection officer erases an instance; its sensitive values are
gone for good, the instance ends, the log says who and why and still verifies."""

from __future__ import annotations

import json
from typing import Any

import pytest
from api_callers import Callers
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from runtime import Engine, EngineError
from runtime.api import create_app
from runtime.cli import app
from runtime.store import schema as t

SSN, IBAN = "078-05-1120", "DE89370400440532013000"
CLAIM = {
    "key": "benefit-claim",
    "variables": [{"name": "ssn", "type": "string", "sensitive": True},
                  {"name": "iban", "type": "string", "sensitive": True},
                  {"name": "amount", "type": "number"}],
    "states": [{"id": "filed", "type": "start"},
               {"id": "check", "type": "task", "action": "check_claimant",
                "retry": {"max_attempts": 1}},
               {"id": "review", "type": "human", "role": "case-worker"},
               {"id": "paid", "type": "end"},
               {"id": "refused", "type": "end", "outcome": "failed"}],
    "transitions": [{"from": "filed", "to": "check"},
                    {"from": "check", "to": "review", "on": "done"},
                    {"from": "check", "to": "refused", "on": "error"},
                    {"from": "review", "to": "paid", "on": "approve"}],
}


def cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def claim_in_review(engine: Engine) -> str:
    engine.publish(CLAIM)
    engine.action("check_claimant")(lambda ctx: {})
    iid = engine.start("benefit-claim", {"ssn": SSN, "iban": IBAN, "amount": 120})
    engine.run_until_idle()
    assert engine.get(iid).state == "review"
    return iid


def test_erasing_a_running_claim_shreds_its_values_and_ends_it(engine):
    iid = claim_in_review(engine)
    other = engine.start("benefit-claim", {"ssn": "219-09-9999", "amount": 5})
    after = engine_erase(engine, iid, "GDPR art. 17 request #4711", "dpo-dana")
    assert after.status == "cancelled" and after.variables == {"amount": 120}
    erased = engine.history(iid)[-1]
    assert (erased.type, erased.actor) == ("erased", "dpo-dana")
    assert erased.data == {"reason": "GDPR art. 17 request #4711", "status": "cancelled",
                           "erased": ["iban", "ssn"]}
    started = engine.history(iid)[0].data["variables"]
    assert started["ssn"] is None and started["iban"] is None and started["amount"] == 120
    assert engine.tasks.list(_Admin(), state="open").items == []  # the review task is closed
    with engine.store.read() as conn:
        row = conn.execute(select(t.data_keys).where(t.data_keys.c.instance_id == iid)).one()
    assert row.wrapped is None and row.kek_id is None and row.erased_at is not None
    assert engine.get(other).variables["ssn"] == "219-09-9999"  # its own key, untouched
    assert engine.verify_audit().ok


def test_a_fresh_engine_cannot_read_an_erased_instance_either(db_url):
    with Engine(db_url) as engine:
        iid = claim_in_review(engine)
        engine_erase(engine, iid, "court order", "dpo")
    with Engine(db_url) as engine:  # no cache: only what the database holds
        assert engine.get(iid).variables == {"amount": 120}
        assert engine.history(iid)[0].data["variables"]["ssn"] is None
        with pytest.raises(EngineError, match="already erased"):
            engine_erase(engine, iid, "again", "dpo")


def test_a_completed_instance_keeps_its_status_when_erased(engine):
    iid = claim_in_review(engine)
    engine.send(iid, "approve", {})
    assert engine_erase(engine, iid, "retention", "dpo").status == "completed"
    assert engine.verify_audit().ok


def test_erase_from_the_shell_then_the_audit_still_verifies(db_url):
    with Engine(db_url) as engine:
        iid = claim_in_review(engine)
    missing = cli("erase", iid, "--actor", "dpo", "--db", db_url)
    assert missing.exit_code == 2  # --reason is required
    done = cli("erase", iid, "--reason", "subject request", "--actor", "dpo", "--db", db_url,
               "--json")
    assert done.exit_code == 0, done.output
    shown = json.loads(done.output)
    assert shown["status"] == "cancelled" and SSN not in done.output
    history = cli("show", iid, "--history", "--db", db_url)
    assert SSN not in history.output and IBAN not in history.output
    assert cli("audit", "verify", "--db", db_url).exit_code == 0
    assert "erased instances: 1" in cli("keys", "status", "--db", db_url).output
    unknown = cli("erase", "no-such-id", "--reason", "x", "--db", db_url)
    assert unknown.exit_code == 1 and "no instance" in unknown.output


def test_only_an_admin_may_erase_over_rest(engine):
    iid = claim_in_review(engine)
    api = create_app(engine)
    callers = Callers(api)
    with TestClient(api) as client:
        url = f"/api/v1/instances/{iid}/erase"
        denied = client.post(url, json={"reason": "x"}, headers=callers.bearer("olga", "operator"))
        assert denied.status_code == 403
        assert denied.json()["error"]["details"]["permission"] == "instances.erase"
        admin = callers.bearer("ada", "admin")
        assert client.post(url, json={}, headers=admin).status_code == 422  # reason needed
        done = client.post(url, json={"reason": "subject request"}, headers=admin)
        assert done.status_code == 200 and done.json()["status"] == "cancelled"
        assert SSN not in done.text
        again = client.post(url, json={"reason": "again"}, headers=admin)
        assert again.status_code == 409
    assert engine.history(iid)[-1].actor == "ada"


def test_an_incident_text_never_carries_a_sensitive_value(engine):
    engine.publish(CLAIM)

    def check(ctx: Any) -> dict[str, Any]:
        raise ValueError(f"registry rejected claimant {ctx.variables['ssn']} / "
                         f"{ctx.variables['iban']}")

    engine.action("check_claimant")(check)
    iid = engine.start("benefit-claim", {"ssn": SSN, "iban": IBAN, "amount": 1})
    engine.run_until_idle()
    logged = json.dumps([e.data for e in engine.history(iid) if e.type != "instance_started"])
    assert "registry rejected claimant [redacted] / [redacted]" in logged
    assert SSN not in logged and IBAN not in logged
    with engine.store.read() as conn:
        errors = conn.execute(select(t.jobs.c.last_error)).scalars().all()
    assert not any(SSN in (e or "") for e in errors)


def engine_erase(engine: Engine, iid: str, reason: str, actor: str) -> Any:
    from runtime.operations import perform

    return perform(engine, iid, "erase", reason, actor)


class _Admin:
    username = "root"
    roles = frozenset({"admin"})
