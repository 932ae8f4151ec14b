"""`statewright bench --suite steps` on tiny sizes: the JSON it prints and the log it checks.

No timings are asserted (a benchmark, not a timed test); only that every step of every
instance was recorded exactly once, here and, when `dbos` is installed, on DBOS too.
"""

from __future__ import annotations

import importlib.util
import json

import pytest
from typer.testing import CliRunner

from runtime.benchmarks import dbos_peer
from runtime.benchmarks.steps import run
from runtime.cli import app

INSTANCES, STEPS = 5, 3
HAS_DBOS = importlib.util.find_spec("dbos") is not None
NUMBERS = ("steps_per_s", "step_p50_ms", "step_p95_ms", "step_p99_ms", "single_step_p50_ms",
           "seconds")


def _check(result: dict, database: str, workers: int = 1) -> None:
    assert result["database"] == database
    assert (result["instances"], result["steps_per_instance"], result["workers"]) == (
        INSTANCES, STEPS, workers)
    assert result["steps"] == INSTANCES * STEPS
    assert (result["duplicates"], result["lost"], result["unfinished"]) == (0, 0, 0)
    assert result["actions_run"] >= INSTANCES * STEPS
    for key in NUMBERS:
        assert isinstance(result[key], int | float) and result[key] >= 0, key


def _check_dbos(result: dict) -> None:
    if not HAS_DBOS:
        assert result["dbos_version"] is None and "not installed" in result["dbos_note"]
        return
    assert (result["dbos_steps"], result["dbos_lost"]) == (INSTANCES * STEPS, 0)
    assert result["dbos_steps_per_s"] > 0 and result["ratio"] > 0
    for key in ("dbos_step_p50_ms", "dbos_step_p99_ms", "dbos_single_step_p50_ms"):
        assert result[key] >= 0


def test_steps_suite_prints_the_json_shape(sqlite_url):
    answer = CliRunner().invoke(app, [
        "bench", "--suite", "steps", "--db", sqlite_url, "--instances", str(INSTANCES),
        "--steps", str(STEPS), "--threads", "4", "--workers", "1", "--json"])
    assert answer.exit_code == 0, answer.output
    result = json.loads(answer.output)["steps"]
    _check(result, "sqlite")
    assert result["threads"] == 4
    _check_dbos(result)
    if HAS_DBOS:
        assert (result["dbos_sqlite_journal"], result["dbos_sqlite_synchronous"]) == (
            "wal", "full")
        assert result["rounds"] == len(result["ratio_rounds"]) == 3  # the default


def test_worker_processes_share_the_steps_without_running_one_twice(sqlite_url):
    result = run(sqlite_url, INSTANCES, STEPS, threads=2, workers=2, compare=False)
    _check(result, "sqlite", workers=2)
    assert len(result["actions_run_per_worker"]) == 2
    assert sum(result["actions_run_per_worker"]) == result["actions_run"]


@pytest.mark.postgres
def test_steps_suite_on_postgres(postgres_url):
    result = run(postgres_url, INSTANCES, STEPS, threads=4)
    _check(result, "postgresql")
    _check_dbos(result)


def test_without_dbos_the_comparison_is_skipped_with_a_note(monkeypatch):
    monkeypatch.setattr(dbos_peer, "available", lambda: False)
    skipped = dbos_peer.compare("sqlite:///unused.db", "sqlite", INSTANCES, STEPS, 8, 100.0)
    assert skipped["dbos_version"] is None
    assert "statewright[bench]" in skipped["dbos_note"]


def test_paired_rounds_report_the_median_ratio_and_every_fault():
    from runtime.benchmarks.rounds import paired_rounds

    rounds = iter([{"steps_per_s": 300, "ratio": 3.0, "lost": 0, "duplicates": 1},
                   {"steps_per_s": 100, "ratio": 5.0, "lost": 0, "duplicates": 0},
                   {"steps_per_s": 200, "ratio": 4.0, "lost": 2, "duplicates": 0}])
    combined = paired_rounds(3, lambda: next(rounds))
    assert combined["steps_per_s"] == 200 and combined["steps_per_s_rounds"] == [300, 100, 200]
    assert (combined["ratio"], combined["ratio_min"], combined["ratio_max"]) == (4.0, 3.0, 5.0)
    assert (combined["lost"], combined["duplicates"], combined["rounds"]) == (2, 1, 3)
