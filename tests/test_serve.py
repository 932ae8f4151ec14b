"""`statewright serve` and `statewright worker` as real processes: start, answer, stop cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from runtime import Engine

SAMPLES = Path(__file__).resolve().parents[1] / "assets" / "samples"
STARTUP_LIMIT_S = 90


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(check: Callable[[], bool], process: subprocess.Popen, log: Path) -> None:
    """Poll `check` until it holds; fail with the process's output if it dies or never does."""
    deadline = time.monotonic() + STARTUP_LIMIT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the process exited with {process.returncode}:\n{log.read_text()}")
        if check():
            return
        time.sleep(0.2)
    pytest.fail(f"gave up waiting after {STARTUP_LIMIT_S} s:\n{log.read_text()}")


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Callable[..., tuple[subprocess.Popen, Path]]]:
    """Start `statewright <args>` in a temp working directory; kill whatever is left at the end."""
    started: list[subprocess.Popen] = []
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEWRIGHT_")}

    def start(*args: str, **extra_env: str) -> tuple[subprocess.Popen, Path]:
        log = tmp_path / f"{args[0]}-{len(started)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "runtime.cli", *args],
                cwd=tmp_path, env={**env, **extra_env}, stdout=out, stderr=subprocess.STDOUT,
            )
        started.append(process)
        return process, log

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def _answers(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return httpx.get(url, timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    return check


def _stop(process: subprocess.Popen, signum: int, log: Path) -> str:
    process.send_signal(signum)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the process did not stop on signal {signum}:\n{log.read_text()}")
    output = log.read_text()
    assert process.returncode == 0, output
    assert "Traceback" not in output
    return output


def _cli_token(db: str, username: str) -> dict[str, str]:
    """A bearer header from `statewright tokens create`, as an operator would make one."""
    made = subprocess.run(
        [sys.executable, "-m", "runtime.cli", "tokens", "create", username, "--name", "tests",
         "--db", db], capture_output=True, text=True, timeout=60, check=True,
    )
    return {"Authorization": f"Bearer {made.stdout.strip()}"}


def test_serve_publishes_the_samples_serves_api_and_ui_and_stops_on_ctrl_c(launch, tmp_path):
    port = _free_port()
    db = f"sqlite:///{tmp_path / 'sw.db'}"
    process, log = launch("serve", "--port", str(port), "--db", db)
    base = f"http://127.0.0.1:{port}"
    _wait_for(_answers(f"{base}/healthz"), process, log)

    assert httpx.get(f"{base}/readyz").json() == {"status": "ok"}
    assert httpx.get(f"{base}/api/v1/definitions").status_code == 401
    one_time = next(line for line in log.read_text().splitlines() if "one-time password" in line)
    password = one_time.split("one-time password ")[1].split(" ")[0]
    refused = httpx.post(f"{base}/api/v1/auth/token",
                         json={"username": "admin", "password": password})
    assert refused.status_code == 403, "a one-time password must be changed before API use"
    assert refused.json()["error"]["code"] == "password-change-required"
    listed = httpx.get(f"{base}/api/v1/definitions", headers=_cli_token(db, "admin")).json()
    assert {d["key"] for d in listed["items"]} == {p.stem for p in SAMPLES.glob("*.json")}
    assert httpx.get(f"{base}/api/openapi.json").json()["info"]["title"] == "Statewright"
    assert httpx.get(f"{base}/api/v1/no-such-thing").json()["error"]["code"] == "not-found"
    assert "statewright_definitions" in httpx.get(f"{base}/metrics").text

    output = _stop(process, signal.SIGINT, log)
    assert f"http://localhost:{port}" in output
    assert "Created the first account 'admin' with the one-time password" in output


def test_serve_without_samples_and_with_the_database_from_the_environment(launch, tmp_path):
    port = _free_port()
    db = tmp_path / "from-env.db"
    process, log = launch(
        "serve", "--port", str(port), "--no-samples", "--no-ui",
        STATEWRIGHT_DB=f"sqlite:///{db}", STATEWRIGHT_ADMIN_PASSWORD="Correct-Horse-Battery-9",
    )
    base = f"http://127.0.0.1:{port}"
    _wait_for(_answers(f"{base}/healthz"), process, log)
    issued = httpx.post(f"{base}/api/v1/auth/token",
                        json={"username": "admin", "password": "Correct-Horse-Battery-9"})
    assert issued.status_code == 201, issued.text
    bearer = {"Authorization": f"Bearer {issued.json()['token']}"}
    assert httpx.get(f"{base}/api/v1/definitions", headers=bearer).json() == {
        "items": [], "total": 0}
    output = _stop(process, signal.SIGTERM, log)
    assert db.exists(), "the database named by STATEWRIGHT_DB was used"
    assert "one-time password" not in output, "the admin password came from the environment"


def test_serve_refuses_an_unusable_database_url_without_a_traceback(launch):
    process, log = launch("serve", "--db", "mysql://nobody@nowhere/db")
    assert process.wait(timeout=60) == 2
    output = log.read_text()
    assert "unsupported database" in output and "Traceback" not in output


COOLDOWN: dict[str, Any] = {
    "schema": "statewright/v1",
    "key": "payment-cooldown",
    "name": "Payment cooldown",
    "states": [
        {"id": "requested", "type": "start"},
        {"id": "cooldown", "type": "timer", "duration_s": 0.5},
        {"id": "released", "type": "end"},
    ],
    "transitions": [
        {"from": "requested", "to": "cooldown"},
        {"from": "cooldown", "to": "released", "on": "elapsed"},
    ],
}


def test_a_worker_fires_due_timers_and_stops_on_sigterm(launch, db_url):
    with Engine(db_url) as engine:
        engine.publish(COOLDOWN)
        iid = engine.start("payment-cooldown", {}, actor="ops")
        process, log = launch("worker", "--db", db_url)
        _wait_for(lambda: engine.get(iid).status == "completed", process, log)
    output = _stop(process, signal.SIGTERM, log)
    assert "worker stopped" in output
