"""Operator actions from the shell: `statewright suspend|resume|move|set-vars|migrate|cancel`,
refusals with exit 1 and a clear message, and breaker states in `show` and `breakers`."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from runtime import Engine
from runtime.cli import app


def cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_operator_actions_from_the_shell(db_url, loan_approval):
    with Engine(db_url) as engine:
        engine.publish(loan_approval)
        engine.action("credit_score")(lambda ctx: {"score": 700})
        iid = engine.start("loan-approval", {"amount": 50_000})
        engine.run_until_idle()
    suspended = cli("suspend", iid, "--reason", "hold", "--actor", "olga", "--db", db_url,
                    "--json")
    assert suspended.exit_code == 0, suspended.output
    assert json.loads(suspended.output)["status"] == "suspended"
    refused = cli("suspend", iid, "--reason", "again", "--db", db_url)
    assert refused.exit_code == 1 and "cannot suspend" in refused.output
    assert cli("suspend", iid, "--db", db_url).exit_code == 2  # --reason is required
    assert "status=running" in cli("resume", iid, "--reason", "go", "--db", db_url).output
    moved = cli("move", iid, "--to", "cooldown", "--reason", "pause", "--db", db_url)
    assert "state=cooldown" in moved.output
    changed = cli("set-vars", iid, "--vars", '{"applicant": "Bo"}', "--reason", "typo",
                  "--db", db_url)
    assert '"applicant": "Bo"' in changed.output
    bad_map = cli("migrate", iid, "--version", "1", "--map", "oops", "--reason", "x",
                  "--db", db_url)
    assert bad_map.exit_code == 2 and "OLD_STATE=NEW_STATE" in bad_map.output
    cancelled = cli("cancel", iid, "--reason", "withdrawn", "--db", db_url)
    assert "status=cancelled" in cancelled.output
    with Engine(db_url) as engine:
        actors = {(e.type, e.actor) for e in engine.history(iid)}
        assert ("suspended", "olga") in actors and ("cancelled", "cli") in actors
        assert engine.verify_audit().ok


def test_an_open_breaker_shows_in_show_and_breakers(db_url, loan_approval):
    loan_approval["states"][1]["retry"] = {"max_attempts": 5, "initial_s": 1}
    with Engine(db_url) as engine:
        engine.breakers.failure_threshold = 1
        engine.publish(loan_approval)

        @engine.action("credit_score")
        def credit_score(ctx: Any) -> dict[str, Any]:
            raise ConnectionError("bureau down")

        iid = engine.start("loan-approval", {"amount": 50_000})
        engine.run_until_idle()
    shown = cli("show", iid, "--db", db_url)
    assert "breaker: credit_score is open (failures=1)" in shown.output
    listed = cli("breakers", "--db", db_url)
    assert listed.output.startswith("credit_score") and "open" in listed.output
