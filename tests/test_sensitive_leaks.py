"""Sensitive values stay sealed and masked where they used to leak: a value a `set` derives
from a sensitive variable, and the command line's instance and history printouts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from runtime import Engine
from runtime.api import presenters
from runtime.security.identity import Principal
from runtime.store import schema as t

ADMIN = Principal("root", frozenset({"admin"}), "token")  # even an admin sees them masked

SSN = "078-05-1120"

# A KYC check: a case note quoting the SSN is derived by a `set` into a variable that is NOT
# declared sensitive — exactly the laundering the definition scan warns about.
KYC = {
    "key": "kyc-last4",
    "variables": [{"name": "ssn", "type": "string", "sensitive": True},
                  {"name": "case_note", "type": "string"},
                  {"name": "name", "type": "string"}],
    "states": [{"id": "received", "type": "start"},
               {"id": "review", "type": "wait", "timeout_s": 3600},
               {"id": "done", "type": "end"}],
    "transitions": [{"from": "received", "to": "review",
                     "set": {"case_note": "'SSN ' + ssn"}},
                    {"from": "review", "to": "done", "on": "approve"},
                    {"from": "review", "to": "done", "on": "timeout"}],
}


def _stored_text(engine: Engine) -> str:
    with engine.store.read() as conn:
        columns = (t.events.c.data, t.instances.c.variables)
        rows = [row for column in columns for row in conn.execute(select(column))]
    return json.dumps([list(r) for r in rows])


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runtime.cli", *args],
                          capture_output=True, text=True, timeout=60)


def test_a_value_derived_from_a_sensitive_one_is_sealed_at_rest_and_masked(db_url):
    with Engine(db_url) as engine:
        version = engine.publish(KYC)  # a warning (sensitive-copied-to-plain) does not block
        assert int(version) == 1
        iid = engine.start("kyc-last4", {"ssn": SSN, "name": "Ada"}, actor="clerk")
        inst = engine.get(iid)
        assert inst.variables["case_note"] == f"SSN {SSN}"  # the engine works with the clear value
        assert engine.sensitive(engine.definition("kyc-last4", 1)) == {"ssn", "case_note"}
        stored = _stored_text(engine)
        assert SSN not in stored and "Ada" in stored
        shown = presenters.instance(engine, inst, ADMIN).variables
        assert shown["case_note"] == "***" and shown["name"] == "Ada"
        history = presenters.history(engine, inst, engine.history(iid), ADMIN)
        assert SSN not in history.model_dump_json()
        assert engine.verify_audit().ok


def test_show_history_and_start_print_sensitive_values_masked(db_url, tmp_path: Path):
    path = tmp_path / "kyc.json"
    path.write_text(json.dumps(KYC))
    assert _cli("publish", str(path), "--db", db_url).returncode == 0
    started = _cli("start", "kyc-last4", "--vars", json.dumps({"ssn": SSN, "name": "Ada"}),
                   "--db", db_url, "--json")
    assert started.returncode == 0, started.stderr
    instance = json.loads(started.stdout)
    assert instance["variables"] == {"ssn": "***", "case_note": "***", "name": "Ada"}

    text = _cli("show", instance["id"], "--history", "--db", db_url)
    assert text.returncode == 0, text.stderr
    assert "instance_started" in text.stdout and '"ssn": "***"' in text.stdout
    as_json = _cli("show", instance["id"], "--history", "--db", db_url, "--json")
    body = json.loads(as_json.stdout)
    assert body["history"][0]["data"]["variables"]["ssn"] == "***"
    for output in (started.stdout, text.stdout, as_json.stdout):
        assert SSN not in output

    sent = _cli("send", instance["id"], "approve", "--db", db_url)
    assert sent.returncode == 0, sent.stderr
    assert SSN not in sent.stdout and '"ssn": "***"' in sent.stdout


def test_task_notifications_carry_no_variable_values(db_url):
    """Why the scan has no `restricted-in-notification` code: nothing of an instance's data
    goes into a notification, whatever the definition says."""
    from runtime.people import notifications as notes
    from runtime.people.notifications.tables import notification_outbox

    review = {**KYC, "key": "kyc-review",
              "states": [{"id": "received", "type": "start"},
                         {"id": "review", "type": "human", "role": "kyc-officer", "sla_s": 3600,
                          "name": "Review the identity", "form": [{"name": "ssn"}]},
                         {"id": "done", "type": "end"}]}
    with Engine(db_url) as engine:
        engine.publish(review)
        for fmt in ("webhook", "slack", "teams"):
            notes.add_channel(engine, "role", "kyc-officer", fmt, "https://8.8.8.8/hook")
        engine.start("kyc-review", {"ssn": SSN, "name": "Ada Lovelace"}, actor="clerk")
        with engine.store.read() as conn:
            bodies = json.dumps([r.body for r in conn.execute(select(notification_outbox))])
    assert bodies.count("Review the identity") >= 3
    assert "Lovelace" not in bodies
    assert SSN not in bodies, bodies
