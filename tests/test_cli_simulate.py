"""`statewright simulate FILE --vars JSON --events ...`: the path printed, exit 0/1/2, never
a traceback, and no web stack nor database loaded."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "assets" / "samples" / "loan-approval.json"
VARS = json.dumps({"applicant_name": "Ada", "amount": 5000, "application_id": "A-1"})
HEAVY = ("fastapi", "nicegui", "sqlalchemy", "uvicorn", "runtime.engine")


def simulate(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "runtime.cli", "simulate", *args],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert "Traceback" not in done.stderr + done.stdout
    return done


def test_a_run_to_the_end_prints_the_path_the_guards_and_the_variables():
    done = simulate(str(SAMPLE), "--vars", VARS, "--events",
                    'done{"credit_score": 720, "risk": "low"},elapsed,done')
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "path: received -> score -> route -> cooling_off -> disburse -> approved" in out
    assert "`amount <= 10000.0 && credit_score >= 700` = true" in out
    assert "(amount=5000, credit_score=720)  <- taken" in out
    assert "status: completed in approved" in out


def test_an_unfinished_run_says_what_may_happen_next_and_json_has_the_steps():
    done = simulate(str(SAMPLE), "--vars", VARS.replace("5000", "50000"), "--events",
                    'done{"credit_score": 720}', "--json")
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["state"] == "review" and body["error"] is None
    assert [c["event"] for c in body["choices"]] == ["approve", "request_docs", "reject"]
    assert body["path"] == ["received", "score", "route", "review"]


def test_an_event_that_cannot_happen_prints_the_path_so_far_and_exits_1():
    done = simulate(str(SAMPLE), "--vars", VARS, "--events", "approve")
    assert done.returncode == 1
    assert "path: received -> score" in done.stdout
    assert "'approve' cannot happen there; it offers: done, error" in done.stderr


def test_bad_input_exits_2_naming_it():
    missing = simulate(str(SAMPLE), "--vars", '{"amount": 5}')
    assert missing.returncode == 2 and "applicant_name" in missing.stderr
    not_json = simulate(str(SAMPLE), "--vars", "{amount")
    assert not_json.returncode == 2 and "--vars is not valid JSON" in not_json.stderr
    bad_payload = simulate(str(SAMPLE), "--vars", VARS, "--events", "done{oops}")
    assert bad_payload.returncode == 2 and "--events payload of 'done'" in bad_payload.stderr
    absent = simulate(str(ROOT / "no-such.json"))
    assert absent.returncode == 2 and "no-such.json" in absent.stderr


def test_the_cli_for_simulate_imports_no_web_stack_nor_database():
    probe = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from runtime.cli import app\n"
        f"done = CliRunner().invoke(app, ['simulate', {str(SAMPLE)!r}, '--vars', {VARS!r},"
        " '--events', 'done'])\n"
        "assert done.exit_code == 0, done.output\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
