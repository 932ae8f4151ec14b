"""Where a trace meets the outside: a caller's `traceparent` on the REST API, the
`traceparent` on task notifications, tracing left off, and settings that cannot work."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from api_callers import Callers
from fastapi.testclient import TestClient
from test_tasks import _claim
from test_tracing import exported, named
from webhook_receiver import WebhookReceiver, free_port

from runtime import Engine
from runtime.api import create_app
from runtime.benchmarks.otlp_receiver import OtlpReceiver
from runtime.observability import TracingSettingsError, ids
from runtime.people import notifications as notes
from runtime.people.tasks.housekeeping import run_once

pytestmark = pytest.mark.usefixtures("allow_local_webhooks")  # receivers on 127.0.0.1

CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
SERVER = 2  # OTLP span kind


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[OtlpReceiver]:
    with OtlpReceiver() as receiver:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint)
        yield receiver


@pytest.fixture
def traced(sqlite_url: str, receiver: OtlpReceiver) -> Iterator[Engine]:
    with Engine(sqlite_url) as engine:
        yield engine


def test_a_callers_traceparent_on_start_and_send_continues_the_callers_trace(
        traced, receiver, loan_approval):
    loan_approval["states"][1] = {"id": "score", "type": "wait"}  # no action: review by hand
    traced.publish(loan_approval)
    app = create_app(traced)
    caller = {"traceparent": f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"}
    with TestClient(app, headers=Callers(app).bearer("otto", "operator")) as api:
        started = api.post("/api/v1/instances", headers=caller, json={
            "definition": "loan-approval", "variables": {"amount": 5000}})
        assert started.status_code == 201, started.text
        iid = started.json()["id"]
        assert api.post(f"/api/v1/instances/{iid}/events", headers=caller,
                        json={"event": "approve"}).status_code == 409
        assert api.post(f"/api/v1/instances/{iid}/events", json={"event": "done"}
                        ).status_code in (400, 409)  # no traceparent: no server span
    spans = exported(traced, receiver)
    instance_root = (f"{ids.trace_id(iid):032x}", f"{ids.root_span(iid):016x}")
    [start] = named(spans, "POST /api/v1/instances")
    [send] = named(spans, "POST /api/v1/instances/{instance_id}/events")
    for span in (start, send):
        assert (span["trace_id"], span["parent_span_id"], span["kind"]) == (
            CALLER_TRACE, CALLER_SPAN, SERVER)
        assert span["links"] == [instance_root]
        assert span["attributes"]["statewright.instance.id"] == iid
    assert send["status"] == 2 and "approve" in send["status_message"]  # refused
    [root] = named(spans, "instance loan-approval")
    assert (root["trace_id"], root["span_id"]) == instance_root


def test_a_task_notification_carries_the_traceparent_of_the_step_that_made_the_task(
        traced, receiver):
    with WebhookReceiver(free_port()) as hook:
        notes.add_channel(traced, "role", "underwriter", "webhook", hook.url)
        _claim(traced)
        assert run_once(traced) == (0, 1)
    [got] = hook.received
    [entered] = named(exported(traced, receiver), "filed -> review")
    headers = {name.lower(): value for name, value in got["headers"].items()}
    assert headers["traceparent"] == (
        f"00-{entered['trace_id']}-{entered['span_id']}-01")


def test_without_otel_variables_nothing_of_opentelemetry_is_loaded(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    url = f"sqlite:///{tmp_path / 'off.db'}"
    script = ("import sys; from runtime import Engine\n"
              f"with Engine({url!r}) as e:\n"
              "    assert e.tracing is None\n"
              "print(sorted(m for m in sys.modules if m.startswith('opentelemetry.sdk')))")
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=env, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "[]"


@pytest.mark.parametrize(("variable", "value"), [
    ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
    ("OTEL_TRACES_EXPORTER", "zipkin"),
])
def test_settings_the_runtime_cannot_export_with_are_refused_naming_the_variable(
        sqlite_url, monkeypatch, variable, value):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv(variable, value)
    with pytest.raises(TracingSettingsError, match=f"{variable}='{value}'"):
        Engine(sqlite_url)
    worker = subprocess.run([sys.executable, "-m", "runtime.cli", "worker", "--db", sqlite_url],
                            capture_output=True, text=True, timeout=60)
    assert worker.returncode == 2
    assert f"error: {variable}='{value}' is not one of" in worker.stderr
    assert "Traceback" not in worker.stderr


@pytest.mark.parametrize(("env", "on"), [
    ({}, False),
    ({"OTEL_SERVICE_NAME": "loans"}, False),
    ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, True),
    ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, True),
    ({"OTEL_TRACES_EXPORTER": "console"}, True),
    ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, False),
    ({"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, False),
])
def test_tracing_is_on_exactly_when_an_exporter_is_named(env: dict[str, Any], on: bool):
    from runtime.observability.settings import tracing_on

    assert tracing_on(env) is on


def test_a_worker_process_continues_the_trace_of_an_instance_started_untraced_elsewhere(
        db_url, monkeypatch):
    from runtime.benchmarks.steps_workload import chain_process

    process = chain_process(2)
    with OtlpReceiver("grpc") as receiver:
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("OTEL_")},
               "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
               "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_BSP_SCHEDULE_DELAY": "100"}
        for name in [k for k in os.environ if k.startswith("OTEL_")]:
            monkeypatch.delenv(name)
        with Engine(db_url) as engine:  # this process traces nothing
            engine.publish(process)
            worker = subprocess.Popen(
                [sys.executable, "-m", "runtime.cli", "worker", "--db", db_url, "--actions",
                 "runtime.benchmarks.steps_workload", "--no-demo-actions"],
                env=env, stderr=subprocess.PIPE, text=True)
            try:
                iid = engine.start(process["key"], {})
                spans = receiver.wait_for(4, timeout_s=30)  # 2 action runs, 2 transitions
            finally:
                worker.terminate()
                _, errors = worker.communicate(timeout=30)
            assert worker.returncode == 0, errors
            assert engine.get(iid).status == "completed"
    trace = f"{ids.trace_id(iid):032x}"
    assert {s["trace_id"] for s in spans} == {trace}
    assert sorted(s["name"] for s in spans) == [
        "bench_noop", "bench_noop", "step_1 -> step_2", "step_2 -> finished"]
    assert {s["parent_span_id"] for s in spans if "->" in s["name"]} == {
        f"{ids.root_span(iid):016x}"}  # the root was made where it started: untraced
