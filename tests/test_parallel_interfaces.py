"""`active_states` through the REST API and the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from api_callers import Callers
from fastapi.testclient import TestClient
from parallel_processes import many_waits
from typer.testing import CliRunner

from runtime import Engine
from runtime.api import create_app
from runtime.cli import app as cli

API = "/api/v1"


@pytest.fixture
def api(engine: Engine) -> Iterator[TestClient]:
    engine.publish(many_waits(2))
    app = create_app(engine)
    with TestClient(app, headers=Callers(app).bearer("otto", "operator")) as client:
        yield client


def test_the_rest_api_lists_the_active_states_and_routes_events(api: TestClient) -> None:
    started = api.post(f"{API}/instances", json={"definition": "waits-2", "variables": {}})
    assert started.status_code == 201, started.text
    body = started.json()
    assert (body["state"], sorted(body["active_states"])) == ("split", ["w0", "w1"])
    moved = api.post(f"{API}/instances/{body['id']}/events", json={"event": "e1"}).json()
    assert moved["active_states"] == ["w0"]
    listed = api.get(f"{API}/instances", params={"definition": "waits-2"}).json()["items"]
    assert listed[0]["active_states"] == ["w0"]
    refused = api.post(f"{API}/instances/{body['id']}/events", json={"event": "e1"})
    assert refused.status_code == 409 and "accepts: e0" in refused.json()["error"]["message"]


def test_the_cli_shows_the_active_states(sqlite_url: str, tmp_path) -> None:
    runner = CliRunner()
    source = tmp_path / "waits.json"
    source.write_text(json.dumps(many_waits(2)))
    assert runner.invoke(cli, ["publish", str(source), "--db", sqlite_url]).exit_code == 0
    started = runner.invoke(cli, ["start", "waits-2", "--db", sqlite_url, "--json"])
    assert started.exit_code == 0, started.output
    iid = json.loads(started.output)["id"]
    shown = runner.invoke(cli, ["show", iid, "--db", sqlite_url])
    assert "active states: w0, w1" in shown.output and "accepts: e0, e1" in shown.output
    sent = runner.invoke(cli, ["send", iid, "e0", "--db", sqlite_url, "--json"])
    assert json.loads(sent.output)["active_states"] == ["w1"]
