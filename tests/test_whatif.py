"""What-if replay: real instances recorded by an Engine (SQLite and PostgreSQL), replayed
against a changed draft; counts of same path, other path and stuck, the CLI's exit codes."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from runtime import Engine
from runtime.core.errors import DefinitionInvalid
from runtime.modelling.replay import recording_of
from runtime.modelling.whatif import whatif

ROOT = Path(__file__).resolve().parents[1]


def _record(engine: Engine, process: dict[str, Any], clock: Any) -> dict[str, str]:
    """Five loans: small (approved), big approved, big with documents then rejected, middle
    (waits in review), big whose document wait timed out."""
    engine.publish(process, actor="ana")
    engine.action("credit_score")(lambda ctx: {"score": 700})
    ids = {}
    for name, amount in (("small", 5000), ("approved", 50000), ("docs", 50000),
                         ("middle", 20000), ("timed_out", 50000)):
        ids[name] = engine.start("loan-approval", {"amount": amount}, actor="ana")
        clock.advance(1)  # a distinct start time each, so "newest" is well defined
    engine.run_until_idle(timeout_s=10)
    engine.send(ids["approved"], "approve", {"comment": "fine"})
    engine.send(ids["docs"], "request_docs")
    engine.send(ids["docs"], "docs_received")
    engine.send(ids["docs"], "reject")
    engine.send(ids["timed_out"], "request_docs")
    clock.advance(3601)
    engine.run_until_idle(timeout_s=10)
    assert engine.get(ids["timed_out"]).state == "rejected"
    return ids


def _changed(process: dict[str, Any]) -> dict[str, Any]:
    """Loans under 30000 are approved at once; `request_docs` is renamed `ask_for_docs`."""
    draft = copy.deepcopy(process)
    for t in draft["transitions"]:
        if t.get("when") == "amount < 10000":
            t["when"] = "amount < 30000"
        if t.get("on") == "request_docs":
            t["on"] = "ask_for_docs"
    return draft


def test_unchanged_draft_takes_every_recorded_path(engine, loan_approval, clock):
    _record(engine, loan_approval, clock)
    found = whatif(engine, loan_approval, "loan-approval")
    assert (found["replayed"], found["same_path"], found["other_path"], found["stuck"]) == (
        5, 5, 0, 0)
    assert found["version"] == 1
    assert found["states"]["received"] == 5 and found["states"]["approved"] == 2


def test_changed_draft_sends_some_another_way_and_strands_others(engine, loan_approval, clock):
    ids = _record(engine, loan_approval, clock)
    found = whatif(engine, _changed(loan_approval), "loan-approval")
    assert (found["replayed"], found["same_path"], found["other_path"], found["stuck"]) == (
        5, 2, 1, 2)
    rows = {r["id"]: r for r in found["instances"]}
    middle = rows[ids["middle"]]
    assert (middle["outcome"], middle["diverged_at"]) == ("other", "route")
    assert "'approved' instead of 'review'" in middle["reason"]
    for name in ("docs", "timed_out"):
        row = rows[ids[name]]
        assert (row["outcome"], row["diverged_at"]) == ("stuck", "review")
        assert "'request_docs'" in row["reason"]
        assert "accepts: approve, ask_for_docs, pause, reject" in row["reason"]
    assert found["states"]["approved"] == 3  # small, approved and middle end there now
    assert "wait_docs" not in found["states"]  # both who went there are stuck before it


def test_last_and_since_pick_the_replayed_instances(engine, loan_approval, clock):
    _record(engine, loan_approval, clock)
    assert whatif(engine, loan_approval, "loan-approval", last=2)["replayed"] == 2
    later = clock.now()
    assert whatif(engine, loan_approval, "loan-approval", since=later)["replayed"] == 0
    assert whatif(engine, loan_approval, "loan-approval", since=later.replace(
        year=later.year - 1))["replayed"] == 5


def test_a_recording_keeps_the_payload_apart_from_the_transitions_own_set(
        engine, loan_approval, clock):
    ids = _record(engine, loan_approval, clock)
    log = engine.history(ids["approved"])
    recording = recording_of(log, engine.definition("loan-approval", 1))
    assert [(i.event, i.payload) for i in recording.inputs] == [
        ("done", {"score": 700}), ("approve", {"comment": "fine"})]
    assert recording.path == ["received", "score", "route", "review", "approved"]


def test_a_draft_guard_that_fails_strands_the_instance_with_the_reason(
        engine, loan_approval, clock):
    _record(engine, loan_approval, clock)
    draft = copy.deepcopy(loan_approval)
    draft["transitions"][3]["when"] = "amount < score.limit"
    found = whatif(engine, draft, "loan-approval")
    assert found["stuck"] == 5
    assert all(r["diverged_at"] == "route" for r in found["instances"])


def test_an_invalid_draft_is_refused_with_its_findings(engine, loan_approval, clock):
    _record(engine, loan_approval, clock)
    draft = copy.deepcopy(loan_approval)
    draft["transitions"].append({"from": "review", "to": "nowhere", "on": "x"})
    with pytest.raises(DefinitionInvalid, match="nowhere"):
        whatif(engine, draft, "loan-approval")


def _cli(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "runtime.cli", "whatif", *args],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert "Traceback" not in done.stderr + done.stdout
    return done


def test_the_cli_takes_a_file_or_a_saved_draft_and_exits_1_when_some_get_stuck(
        sqlite_url, loan_approval, clock, tmp_path):
    with Engine(sqlite_url, clock=clock) as engine:
        ids = _record(engine, loan_approval, clock)
        engine.save_draft("loan-approval", _changed(loan_approval), actor="ana")
    same = tmp_path / "same.json"
    same.write_text(json.dumps(loan_approval))
    done = _cli(str(same), "--against", "loan-approval", "--db", sqlite_url)
    assert done.returncode == 0, done.stderr
    assert "replayed 5 instance(s) of loan-approval v1 against the draft: 5 same path" in \
        done.stdout
    stuck = _cli("loan-approval", "--db", sqlite_url, "--json", "--last", "3")
    assert stuck.returncode == 1, stuck.stderr
    body = json.loads(stuck.stdout)
    assert body["replayed"] == 3 and body["stuck"] == 2 and body["other_path"] == 1
    assert ids["middle"] in {r["id"] for r in body["instances"] if r["outcome"] == "other"}
    table = _cli("loan-approval", "--db", sqlite_url)
    assert "OUTCOME" in table.stdout and "stuck" in table.stdout and ids["docs"] in table.stdout


def test_the_cli_exits_2_on_bad_input(sqlite_url, loan_approval, clock):
    with Engine(sqlite_url, clock=clock) as engine:
        engine.publish(loan_approval)
    unknown = _cli("no-such-draft", "--db", sqlite_url)
    assert unknown.returncode == 2
    assert "'no-such-draft' is neither a file nor the key of a saved draft" in unknown.stderr
    bad_date = _cli("x", "--since", "yesterday", "--db", sqlite_url)
    assert bad_date.returncode == 2 and "--since 'yesterday'" in bad_date.stderr
    other_key = _cli(str(ROOT / "assets" / "samples" / "loan-approval.json"),
                     "--against", "nothing-published", "--db", sqlite_url)
    assert other_key.returncode == 2 and "nothing-published" in other_key.stderr
