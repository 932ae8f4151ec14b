"""`statewright tasks`: an underwriter works the inbox from a shell, as a real account."""

from __future__ import annotations

import json
from pathlib import Path

from test_tasks import CLAIM_REVIEW
from typer.testing import CliRunner

from runtime import Engine
from runtime.cli import app
from runtime.security.identity import IdentityService

runner = CliRunner()


def test_an_underwriter_lists_claims_and_completes_from_the_shell(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'sw.db'}"
    with IdentityService(db) as identity:
        identity.create_user("ana", roles=["underwriter"])
        identity.create_user("carl", roles=["clerk"])
    with Engine(db) as engine:
        engine.publish(CLAIM_REVIEW)
        iid = engine.start("claim-review", {"amount": 100})

    listed = runner.invoke(app, ["tasks", "list", "--user", "ana", "--db", db, "--json"])
    assert listed.exit_code == 0, listed.output
    [task] = json.loads(listed.output)["items"]
    assert runner.invoke(app, ["tasks", "claim", task["id"], "--user", "carl",
                               "--db", db]).exit_code == 1
    claimed = runner.invoke(app, ["tasks", "claim", task["id"], "--user", "ana", "--db", db])
    assert claimed.exit_code == 0 and "assignee=ana" in claimed.output

    bad = runner.invoke(app, ["tasks", "complete", task["id"], "approve", "--user", "ana",
                              "--db", db, "--data", '{"payout": "x"}'])
    assert bad.exit_code == 1 and "decision_note: is required" in bad.output
    done = runner.invoke(app, ["tasks", "complete", task["id"], "approve", "--user", "ana",
                               "--db", db, "--data", '{"decision_note": "ok"}'])
    assert done.exit_code == 0 and "state=completed" in done.output
    with Engine(db) as engine:
        assert engine.get(iid).state == "paid"

    nobody = runner.invoke(app, ["tasks", "list", "--user", "zed", "--db", db])
    assert nobody.exit_code == 1 and "no enabled user 'zed'" in nobody.output
