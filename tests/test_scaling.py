"""Scaling out: the Kubernetes manifests parse and scale the workers on CPU and on the due-job
backlog, and that backlog (`statewright_jobs_due`) counts what a runner could take now."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient

from runtime.api import create_app
from runtime.execution.runner import lease

DEPLOY = Path(__file__).parent.parent / "deploy"


def manifests() -> list[dict[str, Any]]:
    documents = []
    for path in sorted(DEPLOY.glob("*.yaml")):
        if path.name == "alerts.yaml":  # Prometheus alerting rules, not a Kubernetes manifest
            continue
        with path.open() as file:
            documents += [d for d in yaml.safe_load_all(file) if d is not None]
    return documents


def test_every_manifest_is_valid_yaml_with_a_kind_and_a_name():
    documents = manifests()
    assert len(documents) >= 5
    for document in documents:
        assert document["apiVersion"] and document["kind"] and document["metadata"]["name"]


def test_the_worker_deployment_runs_statewright_worker():
    [worker] = [d for d in manifests()
                if d["kind"] == "Deployment" and d["metadata"]["name"] == "statewright-worker"]
    [container] = worker["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["statewright", "worker"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert {"STATEWRIGHT_DB", "STATEWRIGHT_DB_POOL_SIZE"} <= set(env)


def test_the_worker_autoscaler_follows_cpu_and_the_due_job_backlog():
    [hpa] = [d for d in manifests() if d["kind"] == "HorizontalPodAutoscaler"]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                             "name": "statewright-worker"}
    metrics = {m["type"]: m for m in hpa["spec"]["metrics"]}
    assert metrics["Resource"]["resource"] == {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}
    external = metrics["External"]["external"]
    assert external["metric"]["name"] == "statewright_jobs_due"
    assert external["target"]["type"] == "AverageValue"


def due(client: TestClient) -> str:
    return next(line for line in client.get("/metrics").text.splitlines()
                if line.startswith("statewright_jobs_due "))


def test_jobs_due_counts_ready_due_jobs_and_lapsed_leases_only(engine, clock, loan_approval):
    engine.publish(loan_approval)
    first = engine.start("loan-approval", {"amount": 500})
    engine.start("loan-approval", {"amount": 600})
    with engine.store.write() as conn:  # a timer an hour away is not due
        now = clock.now()
        engine.store.schedule_job(conn, f"{first}:later", first, "timer",
                                  now + timedelta(hours=1), {"event": "elapsed"}, now)
    with TestClient(create_app(engine)) as client:
        assert due(client) == "statewright_jobs_due 2.0"  # the two credit_score actions
        assert len(lease(engine)) == 2  # a runner holds them: nothing left for another
        assert due(client) == "statewright_jobs_due 0.0"
        clock.advance(engine.lease_s + 1)  # that runner died: its leases ran out
        assert due(client) == "statewright_jobs_due 2.0"
        clock.advance(3600)  # and now the timer is due too
        assert due(client) == "statewright_jobs_due 3.0"
