"""Alert rules through the REST API and the CLI, e-mail through a real SMTP server, the
runner evaluating on its own, and the shipped Prometheus rules and Grafana dashboard
querying only metrics `/metrics` really exposes."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml
from aiosmtpd.controller import Controller
from alert_processes import PAYMENT, REVIEW, CardGateway, alert_channel
from api_callers import Callers
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from webhook_receiver import WebhookReceiver, free_port

from runtime import Engine, ManualClock, Runner
from runtime import alerts as al
from runtime.alerts import prometheus
from runtime.api import create_app
from runtime.cli import app as cli

pytestmark = pytest.mark.usefixtures("allow_local_webhooks")  # receivers on 127.0.0.1

ROOT = Path(__file__).resolve().parent.parent


def test_admins_define_rules_over_rest_and_others_are_refused(engine: Engine) -> None:
    with TestClient(create_app(engine)) as api:
        callers = Callers(api.app)
        admin, operator = callers.bearer("ada", "admin"), callers.bearer("olga", "operator")
        rule = {"name": "gateway", "kind": "breaker_open", "breaker": "card-gateway"}
        assert api.post("/api/v1/alerts/rules", json=rule, headers=operator).status_code == 403
        made = api.post("/api/v1/alerts/rules", json=rule, headers=admin)
        assert made.status_code == 201 and made.json()["created_by"] == "ada"
        again = api.post("/api/v1/alerts/rules", json=rule, headers=admin)
        assert (again.status_code, again.json()["error"]["code"]) == (409, "alert-rule-exists")
        wrong = api.post("/api/v1/alerts/rules", headers=admin,
                         json={"name": "x", "kind": "stuck", "window_s": 5})
        assert wrong.status_code == 422 and "window_s" in wrong.json()["error"]["message"]
        [listed] = api.get("/api/v1/alerts/rules", headers=admin).json()["items"]
        assert listed["breaker"] == "card-gateway"
        assert "statewright_breaker_state{group=\"card-gateway\"}" in api.get(
            "/api/v1/alerts/prometheus", headers=admin).text
        assert api.get("/api/v1/alerts", headers=admin).json() == {"items": []}
        assert api.delete("/api/v1/alerts/rules/gateway", headers=admin).status_code == 204
        assert api.delete("/api/v1/alerts/rules/gateway", headers=admin).status_code == 404


def test_the_cli_adds_lists_evaluates_and_refuses_bad_input(sqlite_url: str) -> None:
    run = CliRunner().invoke
    added = run(cli, ["alerts", "add", "stuck", "--kind", "stuck", "--factor", "4",
                      "--db", sqlite_url, "--json"])
    assert added.exit_code == 0 and json.loads(added.output)["factor"] == 4
    listed = run(cli, ["alerts", "list", "--db", sqlite_url, "--json"])
    assert [r["name"] for r in json.loads(listed.output)] == ["stuck"]
    bad = run(cli, ["alerts", "add", "late", "--kind", "sla_breach", "--breaker", "x",
                    "--db", sqlite_url])
    assert bad.exit_code == 2 and "breaker is not a parameter of sla_breach" in bad.output
    assert run(cli, ["alerts", "add", "stuck", "--kind", "stuck", "--db", sqlite_url]
               ).exit_code == 2
    missing = run(cli, ["alerts", "remove", "nothing", "--db", sqlite_url])
    assert missing.exit_code == 2 and "no alert rule 'nothing'" in missing.output
    evaluated = run(cli, ["alerts", "evaluate", "--db", sqlite_url, "--json"])
    assert json.loads(evaluated.output)["fired"] == []
    assert run(cli, ["alerts", "status", "--db", sqlite_url]).output.strip() == "no alerts"
    assert run(cli, ["alerts", "remove", "stuck", "--db", sqlite_url]).exit_code == 0


class Mailbox:
    """A real SMTP server (aiosmtpd) keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


def test_an_alert_is_mailed_through_smtp(engine: Engine, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    mailbox = Mailbox()
    port = free_port()
    server = Controller(mailbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        monkeypatch.setenv("STATEWRIGHT_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("STATEWRIGHT_SMTP_PORT", str(port))
        monkeypatch.setenv("STATEWRIGHT_SMTP_FROM", "alerts@statewright.test")
        engine.breakers.failure_threshold = 1
        engine.publish(PAYMENT)
        CardGateway(engine).down = True
        al.add_rule(engine.ledger, {"name": "gateway", "kind": "breaker_open"})
        alert_channel(engine, "mailto:oncall@bank.test,payments@bank.test", "gateway", "email")
        engine.start("payment", {})
        engine.run_until_idle()
        assert al.evaluate(engine.ledger).notifications == 1
    finally:
        server.stop()
    [mail] = mailbox.messages
    assert mail.mail_from == "alerts@statewright.test"
    assert mail.rcpt_tos == ["oncall@bank.test", "payments@bank.test"]
    text = mail.content.decode()
    assert "Subject: Alert firing: gateway (card-gateway)" in text
    assert "Condition: circuit breaker 'card-gateway' is open" in text


def test_the_runner_evaluates_on_its_own_and_notifies(sqlite_url: str) -> None:
    with Engine(sqlite_url) as engine, WebhookReceiver(free_port()) as receiver:
        engine.alerts.every_s = 0.2
        engine.breakers.failure_threshold = 1
        engine.publish(PAYMENT)
        CardGateway(engine).down = True
        al.add_rule(engine.ledger, {"name": "gateway", "kind": "breaker_open"})
        alert_channel(engine, receiver.url)
        runner = Runner(engine).start()
        try:
            engine.start("payment", {})
            deadline = time.monotonic() + 20
            while not receiver.received and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            runner.stop()
    [got] = receiver.received
    assert got["body"]["type"] == "alert_firing"


def _metric_names(expr: Any) -> set[str]:
    """Every metric a parsed PromQL expression selects."""
    if isinstance(expr, promql_parser.VectorSelector):
        return {expr.name}
    names: set[str] = set()
    for attr in ("lhs", "rhs", "expr", "vector_selector"):
        child = getattr(expr, attr, None)
        if child is not None:
            names |= _metric_names(child)
    for arg in getattr(expr, "args", None) or []:
        names |= _metric_names(arg)
    return names


@pytest.fixture
def exposed(engine: Engine, clock: ManualClock) -> set[str]:
    """The metric names of a `/metrics` scrape once every alert gauge has a value."""
    engine.breakers.failure_threshold = 1
    engine.publish(PAYMENT)
    engine.publish(REVIEW)
    CardGateway(engine).down = True
    engine.start("payment", {})
    engine.run_until_idle()
    for _ in range(5):
        iid = engine.start("claim-review", {})
        clock.advance(7200)  # past the SLA
        engine.send(iid, "approve", actor="ana")
    engine.start("claim-review", {})
    al.add_rule(engine.ledger, {"name": "gateway", "kind": "breaker_open"})
    al.evaluate(engine.ledger)
    with TestClient(create_app(engine)) as api:
        callers = Callers(api.app)
        api.post("/api/v1/instances", json={"definition": "payment"},
                 headers=callers.bearer("olga", "operator"))
        text = api.get("/metrics").text
    samples = {line.split("{")[0].split(" ")[0] for line in text.splitlines()
               if line and not line.startswith("#")}
    for name in prometheus.GAUGES:
        assert name in samples, f"{name} has no sample"
    return samples


def test_the_shipped_prometheus_rules_are_the_defaults_and_use_real_metrics(
        exposed: set[str]) -> None:
    shipped = (ROOT / "deploy" / "alerts.yaml").read_text()
    assert shipped == prometheus.export(prometheus.default_rules()), \
        "regenerate with: statewright alerts export --defaults --out deploy/alerts.yaml"
    rules = yaml.safe_load(shipped)["groups"][0]["rules"]
    assert {r["labels"]["statewright_kind"] for r in rules} == set(al.KINDS)
    for rule in rules:
        names = _metric_names(promql_parser.parse(rule["expr"]))
        assert names and names <= exposed, (rule["alert"], names - exposed)


def test_the_grafana_dashboard_queries_real_metrics(exposed: set[str]) -> None:
    dashboard = json.loads((ROOT / "deploy" / "grafana-dashboard.json").read_text())
    queried: set[str] = set()
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            names = _metric_names(promql_parser.parse(target["expr"]))
            assert names <= exposed, (panel["title"], names - exposed)
            queried |= names
    assert set(prometheus.GAUGES) <= queried
    assert {"statewright_jobs_due", "statewright_breaker_state"} <= queried
