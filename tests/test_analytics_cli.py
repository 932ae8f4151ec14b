"""`statewright analytics rebuild | show`."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from runtime import Engine
from runtime.cli import app


def test_rebuild_then_show(sqlite_url: str, loan_approval: dict[str, Any]) -> None:
    with Engine(sqlite_url) as engine:
        engine.publish(loan_approval)
        engine.start("loan-approval", {"amount": 50_000}, business_key="b1")
    runner = CliRunner()
    rebuilt = runner.invoke(app, ["analytics", "rebuild", "--db", sqlite_url])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "rebuilt analytics from 4 events" in rebuilt.output
    shown = runner.invoke(app, ["analytics", "show", "loan-approval", "--db", sqlite_url, "--json"])
    assert shown.exit_code == 0, shown.output
    board = json.loads(shown.output)
    assert board["throughput_per_day"][0]["started"] == 1
    assert {"from": "received", "to": "score", "event": None, "count": 1} in board["transitions"]
    text = runner.invoke(app, ["analytics", "show", "loan-approval", "--db", sqlite_url])
    assert text.exit_code == 0 and "received -> score: 1" in text.output


def test_show_names_an_unknown_definition(sqlite_url: str) -> None:
    shown = CliRunner().invoke(app, ["analytics", "show", "nope", "--db", sqlite_url])
    assert shown.exit_code == 1
    assert "nope" in shown.output and "Traceback" not in shown.output
