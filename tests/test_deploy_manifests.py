"""deploy/: every Kubernetes document is valid against the API schemas (the JSON schemas
shipped in the `kubernetes-validate` package, strict: unknown fields fail, as kubeconform
-strict does), and the files agree with each other, with the image and with the CLI.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from typer.testing import CliRunner

from runtime.cli import app

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
# the oldest Kubernetes release still maintained when this was written, and the newest known
KUBERNETES = ("1.31.0", kubernetes_validate.latest_version())


def _documents() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(DEPLOY.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict) and "apiVersion" in doc and "kind" in doc:
                found.append((path.name, doc))
    return found


def _resources() -> list[tuple[str, dict[str, Any]]]:
    """The documents for the cluster's API (not kustomize's own file)."""
    return [(f, d) for f, d in _documents() if d["kind"] != "Kustomization"]


def _of(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for _, d in _resources() if d["kind"] == kind}


def _pods() -> dict[str, dict[str, Any]]:
    return {name: d["spec"]["template"]["spec"] for kind in ("Deployment", "StatefulSet")
            for name, d in _of(kind).items()}


@pytest.mark.parametrize("version", KUBERNETES)
def test_every_document_is_valid_for_the_kubernetes_api(version: str) -> None:
    assert len(_resources()) >= 7
    for filename, doc in _resources():
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{filename} {doc['kind']}/{doc['metadata']['name']}: {exc.message} "
                        f"at {'.'.join(map(str, exc.path))}")


def test_the_validation_refuses_a_misspelt_field() -> None:
    _, deployment = next((f, d) for f, d in _resources() if d["kind"] == "Deployment")
    broken = copy.deepcopy(deployment)
    broken["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES[-1], strict=True)


def test_kustomize_applies_every_file_but_the_secrets_shape() -> None:
    (kustomization,) = [d for _, d in _documents() if d["kind"] == "Kustomization"]
    secrets = {f for f, d in _resources() if d["kind"] == "Secret"}
    assert secrets == {"postgres-secret.yaml"}
    assert sorted(kustomization["resources"]) == sorted({f for f, _ in _resources()} - secrets)


def test_statewright_pods_run_as_the_images_non_root_user() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text().splitlines()
    (user,) = [line.split()[1] for line in dockerfile if line.startswith("USER ")]
    uid, _, gid = user.partition(":")
    for name, pod in _pods().items():
        security = pod["securityContext"]
        assert security["runAsNonRoot"] is True, name
        containers = pod.get("initContainers", []) + pod["containers"]
        for container in containers:
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
        if all(c["image"].startswith("statewright") for c in containers):
            assert (str(security["runAsUser"]), str(security["runAsGroup"])) == (uid, gid), name


def test_probes_secrets_services_and_the_autoscaler_point_at_what_exists() -> None:
    from runtime.api.health import router

    routes = {route.path for route in router.routes}
    secrets = {name: set(d["stringData"]) for name, d in _of("Secret").items()}
    pods = _pods()
    for name, pod in pods.items():
        for container in pod.get("initContainers", []) + pod["containers"]:
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["key"] in secrets[ref["name"]], (name, ref)
            for probe in ("readinessProbe", "livenessProbe"):
                http = container.get(probe, {}).get("httpGet")
                if http:
                    assert http["path"] in routes, (name, probe)
                    ports = {p["name"] for p in container["ports"]}
                    assert http["port"] in ports, (name, probe)
    templates = {name: d["spec"]["template"]["metadata"]["labels"]
                 for kind in ("Deployment", "StatefulSet") for name, d in _of(kind).items()}
    for name, service in _of("Service").items():
        selected = [t for t, labels in templates.items()
                    if service["spec"]["selector"].items() <= labels.items()]
        assert len(selected) == 1, name
        named = {p["name"] for c in pods[selected[0]]["containers"] for p in c.get("ports", [])}
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= named, name
    for name, hpa in _of("HorizontalPodAutoscaler").items():
        assert hpa["spec"]["scaleTargetRef"]["name"] in _of("Deployment"), name


def test_the_schema_is_upgraded_before_the_servers_start() -> None:
    (init,) = _pods()["statewright"]["initContainers"]
    assert init["args"] == ["statewright", "db", "upgrade"]
    assert init["image"] == _pods()["statewright"]["containers"][0]["image"]
    assert CliRunner().invoke(app, ["db", "upgrade", "--help"]).exit_code == 0


def test_the_database_url_matches_the_postgresql_the_manifests_run() -> None:
    secret = _of("Secret")["statewright-db"]["stringData"]
    env = {e["name"]: e.get("value") for e in _pods()["postgres"]["containers"][0]["env"]}
    service = _of("Service")["postgres"]
    port = service["spec"]["ports"][0]["port"]
    assert secret["url"] == (f"postgresql://{env['POSTGRES_USER']}:{secret['password']}@"
                             f"{service['metadata']['name']}:{port}/{env['POSTGRES_DB']}")
