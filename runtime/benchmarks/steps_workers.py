"""The steps benchmark with `--workers N`: N worker processes run the steps on one database.

Each worker is what `statewright worker` runs (an engine on the database, the no-op action
registered, `Runner(engine, threads=threads)`), started as `python -m
runtime.benchmarks.steps_workers URL THREADS`: it prints `ready` once its runner runs and,
when its standard input closes, stops and prints how many actions it ran (JSON). This process
starts the instances only after every worker is ready, waits until the log shows them all
finished (or nothing moved for `STALL_S`), then reads every log back: the window ends at the
last recorded step and latencies come from the log's timestamps (see `steps.py`).
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import runtime
from runtime import Engine, Runner
from runtime.benchmarks.steps_workload import (
    STALL_S,
    check_log,
    register,
    start_instances,
    summarise,
)

POLL_S = 0.02


def measure_in_workers(engine: Engine, key: str, instances: int, steps: int, threads: int,
                       workers: int) -> dict[str, Any]:
    """Start the instances on `engine`'s database while `workers` processes run them."""
    procs = [_spawn(engine.url, threads) for _ in range(workers)]
    try:
        for proc in procs:
            line = proc.stdout.readline().strip() if proc.stdout else ""
            if line != "ready":
                raise RuntimeError(f"a benchmark worker did not start (said {line!r})")
        batch = uuid.uuid4().hex
        started = time.time()
        ids = start_instances(engine, key, instances, threads, batch)
        _wait_finished(engine, batch, instances)
    finally:
        ran = [_stop(proc) for proc in procs]
    checked = check_log(engine, ids, steps)
    seconds = max(checked.last_at - started, 0.0)
    return {**summarise(checked.counts["steps"], seconds, checked.latencies), **checked.counts,
            "actions_run": sum(ran), "actions_run_per_worker": ran}


def _spawn(url: str, threads: int) -> subprocess.Popen[str]:
    # The workers import the same `runtime` package as this process (a work tree, a venv).
    root = str(Path(runtime.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (root, os.environ.get("PYTHONPATH")) if p)}
    return subprocess.Popen(
        [sys.executable, "-m", "runtime.benchmarks.steps_workers", url, str(threads)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)


def _stop(proc: subprocess.Popen[str]) -> int:
    """Close the worker's input (its signal to stop); returns how many actions it ran."""
    try:
        out, _ = proc.communicate(input="", timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return 0
    lines = out.strip().splitlines()
    return json.loads(lines[-1])["actions_run"] if lines and lines[-1].startswith("{") else 0


def _wait_finished(engine: Engine, batch: str, instances: int) -> None:
    finished, moved = 0, time.monotonic()
    while finished < instances and time.monotonic() - moved < STALL_S:
        time.sleep(POLL_S)
        now = engine.list_instances(business_key=batch, status="completed", limit=1).total
        if now != finished:
            finished, moved = now, time.monotonic()


def main(url: str, threads: int) -> None:
    """One worker process: run due jobs on `url` until standard input closes."""
    calls = itertools.count()
    with Engine(url) as engine:
        register(engine, calls)
        runner = Runner(engine, threads=threads).start()
        print("ready", flush=True)
        try:
            sys.stdin.read()
        finally:
            runner.stop()
    print(json.dumps({"actions_run": next(calls)}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
