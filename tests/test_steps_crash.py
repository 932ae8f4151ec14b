"""Crash safety of the execution path: the worker running automated steps SIGKILLed mid-run.

The short version of `statewright bench --suite soak` (`runtime/benchmarks/soak.py`): 40
instances of a 5-step chain of no-op task states (more in waves when they run out), a worker
process (an engine and a `Runner`) killed 12 times per database at random moments after its
first step, each time restarted, then a last one runs everything to the end. Every instance
completes, each step is recorded exactly once (re-running an action is allowed: its handler
may be called again after a kill, its result is recorded once), no job is left and the audit
verifies. The workers' `lease_s` is short, so jobs come back quickly even if the restarted
worker's take-over of this host's dead leases did not apply.
"""

from __future__ import annotations

import json

from typer.testing import CliRunner

from runtime.benchmarks import soak
from runtime.cli import app

KILLS_PER_DATABASE = 12
INSTANCES, STEPS = 40, 5
LEASE_S = 2.0


def test_killed_workers_record_every_step_exactly_once(db_url):
    result = soak.run(db_url, instances=INSTANCES, steps=STEPS, kills=KILLS_PER_DATABASE,
                      lease_s=LEASE_S, seed=20260101, scratch=False)

    assert result["failure"] is None, result["worker_errors"]
    assert result["kills"] == KILLS_PER_DATABASE
    assert result["unfinished"] == 0, "an instance never completed"
    assert (result["duplicates"], result["lost"]) == (0, 0), result
    assert result["steps"] == result["expected_steps"] == result["instances"] * STEPS
    assert result["jobs_left"] == 0, "a job is still ready or leased"
    assert result["audit_ok"], result["audit"]
    assert result["handler_calls"] >= result["steps"]
    assert result["worker_errors"] == ""


def test_soak_and_recovery_suites_print_their_json(sqlite_url):
    soaked = CliRunner().invoke(app, [
        "bench", "--suite", "soak", "--db", sqlite_url, "--instances", "10", "--steps", "2",
        "--kills", "2", "--seed", "7", "--json"])
    assert soaked.exit_code == 0, soaked.output
    result = json.loads(soaked.stdout)["soak"]
    assert (result["kills"], result["steps"], result["duplicates"], result["lost"]) == (
        2, result["instances"] * 2, 0, 0)
    assert result["audit_ok"]

    recovered = CliRunner().invoke(app, [
        "bench", "--suite", "recovery", "--instances", "300", "--steps", "3", "--cycles", "1",
        "--json"])
    assert recovered.exit_code == 0, recovered.output
    result = json.loads(recovered.stdout)["recovery"]
    assert result["cycles"] == len(result["restarts"]) == 1
    assert result["in_flight_min"] > 0
    for part in ("recovery_ms", "python_and_engine_ms", "runner_start_ms", "to_first_step_ms"):
        assert result[f"{part}_p50"] >= 0, part
