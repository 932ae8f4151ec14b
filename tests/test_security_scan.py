"""The definition security scan: each code fires on the leak it names and stays quiet on a
clean process; the shipped samples pass with no new findings."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from shared.findings import SEVERITIES
from shared.validation import validate

SAMPLES = sorted((Path(__file__).parents[1] / "assets" / "samples").glob("*.json"))
SECURITY_CODES = ("secret-in-definition", "plain-http-endpoint", "restricted-in-guard",
                  "sensitive-copied-to-plain", "restricted-in-output")

# A supplier payment: the IBAN is sensitive, routing goes by the (plain) amount.
PAYMENT: dict[str, Any] = {
    "key": "supplier-payment",
    "variables": [
        {"name": "amount", "type": "number", "required": True},
        {"name": "iban", "type": "string", "sensitive": True},
        {"name": "callback_url", "type": "string", "default": "https://erp.example.com/paid"},
        {"name": "reference", "type": "string"},
    ],
    "states": [
        {"id": "received", "type": "start"},
        {"id": "check", "type": "decision"},
        {"id": "approve", "type": "human", "role": "controller", "sla_s": 86400},
        {"id": "pay", "type": "task", "action": "pay_supplier"},
        {"id": "paid", "type": "end"},
        {"id": "failed", "type": "end", "outcome": "failed"},
    ],
    "transitions": [
        {"from": "received", "to": "check", "set": {"reference": "\"PAY-\" + string(amount)"}},
        {"from": "check", "to": "approve", "when": "amount >= 10000.0"},
        {"from": "check", "to": "pay", "default": True},
        {"from": "approve", "to": "pay", "on": "approve"},
        {"from": "approve", "to": "failed", "on": "reject"},
        {"from": "pay", "to": "paid", "on": "done"},
        {"from": "pay", "to": "failed", "on": "error"},
    ],
}


def payment(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(PAYMENT)
    doc.update(changes)
    return doc


def findings(doc: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [f for f in validate(doc).to_json()["findings"] if f["code"] == code]


def test_a_clean_process_has_no_security_findings():
    report = validate(payment())
    assert report.ok
    assert not report.codes() & set(SECURITY_CODES)


def test_every_code_has_a_severity_and_a_documented_fix():
    doc = (Path(__file__).parents[1] / "docs" / "definition-format.md").read_text()
    for code in SECURITY_CODES:
        assert code in SEVERITIES
        assert f"| `{code}` | {SEVERITIES[code]} |" in doc


@pytest.mark.parametrize("pasted, kind", [
    ("AKIAIOSFODNN7EXAMPLQ", "an AWS access key id"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEow", "a private key"),
    ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbmEifQ.c2lnbmF0dXJlLXZhbHVl", "a JSON Web Token"),
    ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", "a Stripe secret key"),
    ("Zq8vN3xR7tK2mW9pL4sY6bH1cF5gJ0dQ", "a random-looking key"),
])
def test_a_key_pasted_into_a_default_is_an_error(pasted, kind):
    doc = payment()
    doc["variables"].append({"name": "gateway_config", "type": "string", "default": pasted})
    [found] = findings(doc, "secret-in-definition")
    assert found["severity"] == "error"
    assert kind in found["message"] and "variables[4].default" in found["message"]
    assert pasted not in found["message"]
    assert not validate(doc).ok  # so publishing is refused


def test_a_value_for_a_variable_named_like_a_secret_is_an_error_a_placeholder_is_not():
    doc = payment()
    doc["variables"].append({"name": "apiKey", "type": "string", "default": "hunter2hunter"})
    assert findings(doc, "secret-in-definition")
    doc["variables"][-1]["default"] = "${PAYMENT_API_KEY}"
    assert not findings(doc, "secret-in-definition")


def test_a_secret_assigned_by_a_set_literal_names_its_transition():
    doc = payment()
    doc["transitions"][0]["set"]["client_secret"] = "'s3cr3t-value'"
    [found] = findings(doc, "secret-in-definition")
    assert found["transitions"] == ["t0"] and found["states"] == ["received"]
    doc["transitions"][0]["set"]["client_secret"] = "event.client_secret"  # read, not pasted
    assert not findings(doc, "secret-in-definition")


def test_a_password_in_a_trigger_url_is_an_error_and_is_not_repeated():
    doc = payment(triggers=[{"broker": "amqp://payments:Tr0ub4dor-and-3@mq.example.com:5672/",
                             "source": "invoices"}])
    [found] = findings(doc, "secret-in-definition")
    assert "amqp://payments:***@mq.example.com" in found["message"]
    assert "Tr0ub4dor" not in found["message"]
    doc["triggers"][0]["broker"] = "amqp://mq.example.com:5672/"
    assert not findings(doc, "secret-in-definition")


def test_a_default_for_a_sensitive_variable_is_an_error():
    doc = payment()
    doc["variables"][1]["default"] = "DE89370400440532013000"
    [found] = findings(doc, "secret-in-definition")
    assert "sensitive variable 'iban' has a default" in found["message"]


def test_plain_http_to_another_machine_is_a_warning_loopback_and_prose_are_not():
    doc = payment()
    doc["variables"][2]["default"] = "http://erp.example.com/paid"
    [found] = findings(doc, "plain-http-endpoint")
    assert found["severity"] == "warning" and "variables[2].default" in found["message"]
    assert validate(doc).ok
    doc["variables"][2]["default"] = "http://127.0.0.1:8080/paid"
    doc["variables"][2]["description"] = "see http://wiki.example.com/payments"
    assert not findings(doc, "plain-http-endpoint")


def test_plain_http_in_an_expression_names_the_transition():
    doc = payment()
    doc["transitions"][2]["set"] = {"callback_url": "'http://erp.example.com/hook'"}
    [found] = findings(doc, "plain-http-endpoint")
    assert found["transitions"] == ["t2"]


def test_a_guard_reading_a_sensitive_variable_is_a_warning():
    doc = payment()
    doc["transitions"][1]["when"] = "iban.startsWith('DE') && amount >= 10000.0"
    [found] = findings(doc, "restricted-in-guard")
    assert found["severity"] == "warning" and found["transitions"] == ["t1"]
    assert "'iban'" in found["message"]


def test_a_set_copying_a_sensitive_value_into_a_plain_variable_is_flagged():
    doc = payment()
    doc["transitions"][0]["set"]["iban_country"] = "iban.startsWith('DE') ? 'DE' : 'other'"
    [found] = findings(doc, "sensitive-copied-to-plain")
    assert found["transitions"] == ["t0"] and "'iban_country'" in found["message"]
    doc["variables"].append({"name": "iban_country", "type": "string", "sensitive": True})
    assert not findings(doc, "sensitive-copied-to-plain")


def test_a_chain_of_sets_is_followed_and_a_guard_on_the_derived_value_is_flagged():
    doc = payment()
    doc["transitions"][0]["set"]["iban_country"] = "iban.startsWith('DE') ? 'DE' : 'other'"
    doc["transitions"][3]["set"] = {"domestic": "iban_country == 'DE'"}
    doc["transitions"][1]["when"] = "domestic && amount >= 10000.0"
    copies = findings(doc, "sensitive-copied-to-plain")
    assert {f["transitions"][0] for f in copies} == {"t0", "t3"}
    assert findings(doc, "restricted-in-guard")[0]["message"].count("'domestic'") == 1


def test_sensitive_values_flowing_where_sealing_does_not_follow():
    doc = payment()
    doc["states"].insert(4, {"id": "audit", "type": "subprocess", "definition": "payment-audit",
                             "input": {"account": "iban", "total": "amount"}})
    doc["states"].insert(5, {"id": "hold", "type": "timer", "until": "timestamp(iban)"})
    doc["triggers"] = [{"broker": "nats://127.0.0.1:4222", "source": "bank.returns",
                        "action": "send", "event": "returned", "correlate": "message.iban",
                        "match": "variable:iban"}]
    found = findings(doc, "restricted-in-output")
    messages = " | ".join(f["message"] for f in found)
    assert len(found) == 3
    assert "subprocess 'audit' passes sensitive 'iban' as 'account'" in messages
    assert "timer 'hold'" in messages and "triggers[0] matches" in messages
    assert all(f["severity"] == "warning" for f in found)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_the_shipped_samples_validate_clean(sample):
    done = subprocess.run([sys.executable, "-m", "runtime.cli", "validate", str(sample), "--json"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout) == {"ok": True, "findings": []}


def test_validate_prints_a_security_error_and_exits_1(tmp_path):
    doc = payment()
    doc["variables"].append({"name": "gateway_token", "type": "string",
                             "default": "ghp_16C7e42F292c6912E7710c838347Ae178B4a"})
    path = tmp_path / "payment.json"
    path.write_text(json.dumps(doc))
    done = subprocess.run([sys.executable, "-m", "runtime.cli", "validate", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "secret-in-definition" in done.stdout and "a GitHub token" in done.stdout


def test_publishing_over_the_api_is_refused_for_a_pasted_secret_and_allowed_with_warnings(
        engine):
    from api_callers import Callers
    from fastapi.testclient import TestClient

    from runtime.api import create_app

    leaky = payment()
    leaky["variables"].append({"name": "gateway_token", "type": "string",
                               "default": "sk_live_4eC39HqLyjWDarjtT1zdp7dc"})
    app = create_app(engine)
    with TestClient(app, headers=Callers(app).bearer("ana", "analyst")) as api:
        refused = api.post("/api/v1/definitions", json=leaky)
        assert refused.status_code == 422, refused.text
        codes = {f["code"] for f in refused.json()["error"]["details"]["findings"]}
        assert "secret-in-definition" in codes
        assert "sk_live_4eC39" not in refused.text
        warned = payment()
        warned["transitions"][1]["when"] = "iban.startsWith('DE') && amount >= 10000.0"
        assert api.post("/api/v1/definitions", json=warned).status_code == 201
    assert [v.key for v in engine.definitions()] == ["supplier-payment"]
