"""An operator drives the engine from a shell: publish, start, send, show."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runtime.cli", *args],
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def process_file(tmp_path: Path, loan_approval: dict[str, Any]) -> Path:
    path = tmp_path / "loan.json"
    path.write_text(json.dumps(loan_approval))
    return path


def test_publish_start_send_show_round_trip(db_url, process_file):
    published = _cli("publish", str(process_file), "--db", db_url)
    assert published.returncode == 0, published.stderr
    assert published.stdout.strip() == "loan-approval: published as version 1"
    again = _cli("publish", str(process_file), "--db", db_url)
    assert again.stdout.strip() == "loan-approval: already published as version 1"

    started = _cli("start", "loan-approval", "--vars", '{"amount": 50000}', "--db", db_url,
                   "--json", "--actor", "ana")
    assert started.returncode == 0, started.stderr
    instance = json.loads(started.stdout)
    assert (instance["state"], instance["status"]) == ("score", "running")

    refused = _cli("send", instance["id"], "approve", "--db", db_url)
    assert refused.returncode == 1
    assert "does not accept the event 'approve'" in refused.stderr

    shown = _cli("show", instance["id"], "--history", "--db", db_url, "--json")
    body = json.loads(shown.stdout)
    assert body["history"][0]["type"] == "instance_started"
    assert body["history"][0]["actor"] == "ana"


def test_bad_input_gives_clear_errors_not_tracebacks(sqlite_url, tmp_path):
    bad = tmp_path / "dead-end.json"
    bad.write_text(json.dumps({"key": "dead-end", "states": [
        {"id": "a", "type": "start"}, {"id": "b", "type": "wait"}],
        "transitions": [{"from": "a", "to": "b"}]}))
    refused = _cli("publish", str(bad), "--db", sqlite_url)
    assert refused.returncode == 1 and "publishing refused" in refused.stderr
    assert "dead-end" in refused.stderr and "Traceback" not in refused.stderr

    not_json = _cli("start", "loan-approval", "--vars", "{amount: 5", "--db", sqlite_url)
    assert not_json.returncode == 2 and "--vars is not valid JSON" in not_json.stderr

    missing = _cli("show", "no-such-instance", "--db", sqlite_url)
    assert missing.returncode == 1 and "no instance 'no-such-instance'" in missing.stderr

    wrong_db = _cli("show", "x", "--db", "mysql://nowhere/db")
    assert wrong_db.returncode == 2 and "unsupported database" in wrong_db.stderr
