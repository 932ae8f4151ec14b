"""The steps benchmark's workload on DBOS (https://docs.dbos.dev), when `dbos` is installed.

One `@DBOS.workflow` calls `steps` no-op `@DBOS.step`s in a row; `threads` client threads each
call `DBOS.start_workflow(...).get_result()` for their share of `instances` workflows, so
`threads` workflows are in flight at a time. DBOS is a singleton with its own background
threads, so it runs in a process of its own: `python -m runtime.benchmarks.dbos_peer
SYSTEM_DB_URL INSTANCES STEPS THREADS [SCHEMA]` prints its measurements as JSON.

It is durable as configured for production: the system database is a SQLite file (put in WAL
mode with `synchronous=FULL` first, the settings Statewright's SQLite store uses; DBOS's own
default is a rollback journal, which is slower) or a fresh schema on the same PostgreSQL
server and database as Statewright's, dropped afterwards. DBOS checkpoints each step's
output in its own committed transaction before the step call returns.

Measured like Statewright (`steps.py`): steps/s from the first `start_workflow` until the
last result; a step's latency is the time from the previous step's return (the workflow's
start for the first) to its own return, i.e. from due to checkpoint committed. Afterwards the
recorded steps are counted through DBOS's API (`list_workflow_steps`).
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from importlib.metadata import version
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

import runtime
from runtime.benchmarks.steps_workload import SINGLE_RUNS, SINGLE_STEPS, percentile, summarise
from runtime.benchmarks.threads import in_threads


def available() -> bool:
    return importlib.util.find_spec("dbos") is not None


def compare(url: str, dialect: str, instances: int, steps: int, threads: int,
            ours_steps_per_s: float) -> dict[str, Any]:
    """The DBOS run's numbers as `dbos_*` keys, and `ratio` (ours / DBOS's steps/s)."""
    if not available():
        return {"dbos_version": None,
                "dbos_note": "dbos is not installed (pip install 'statewright[bench]'); "
                             "comparison skipped"}
    peer = run_peer(url, dialect, instances, steps, threads)
    ratio = ours_steps_per_s / peer["steps_per_s"] if peer["steps_per_s"] else None
    return {"dbos_version": version("dbos"), **{f"dbos_{k}": v for k, v in peer.items()},
            "ratio": round(ratio, 2) if ratio is not None else None}


def run_peer(url: str, dialect: str, instances: int, steps: int, threads: int
             ) -> dict[str, Any]:
    """Run the workload on DBOS in a child process, on the same kind of database as `url`."""
    if dialect == "sqlite":
        near = Path(make_url(url).database or ".").resolve().parent  # same disk as ours
        with tempfile.TemporaryDirectory(prefix="dbos-bench-",
                                         dir=near if near.is_dir() else None) as scratch:
            return _child(f"sqlite:///{Path(scratch) / 'dbos.sqlite'}", instances, steps,
                          threads)
    server = make_url(url).set(drivername="postgresql", query={})
    server_url = server.render_as_string(hide_password=False)
    schema = f"dbos_bench_{uuid.uuid4().hex[:10]}"
    try:
        return _child(server_url, instances, steps, threads, schema)
    finally:
        import psycopg

        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _child(system_url: str, instances: int, steps: int, threads: int,
           schema: str | None = None) -> dict[str, Any]:
    root = str(Path(runtime.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (root, os.environ.get("PYTHONPATH")) if p)}
    args = [sys.executable, "-m", "runtime.benchmarks.dbos_peer", system_url, str(instances),
            str(steps), str(threads), *([schema] if schema else [])]
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=3600,
                          check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the DBOS run failed: {done.stderr.strip()[-2000:]}")
    return json.loads(lines[-1])


def main(system_url: str, instances: int, steps: int, threads: int,
         schema: str | None) -> dict[str, Any]:
    from dbos import DBOS, DBOSConfig

    journal: dict[str, Any] = {}
    if system_url.startswith("sqlite:///"):
        journal = _wal(system_url.removeprefix("sqlite:///"))
    marks: list[list[float]] = []  # per workflow: its start, then each step's return

    @DBOS.step()
    def noop(n: int) -> None:
        return None

    @DBOS.workflow()
    def chain(count: int) -> None:
        times = [time.perf_counter()]
        for n in range(count):
            noop(n)
            times.append(time.perf_counter())
        marks.append(times)

    config: DBOSConfig = {"name": "statewright-bench", "system_database_url": system_url,
                          "log_level": "WARNING", "run_admin_server": False}
    if schema:
        config["dbos_system_schema"] = schema
    DBOS(config=config)
    DBOS.launch()
    try:
        started = time.perf_counter()
        ids = _in_threads(threads, instances, lambda: DBOS.start_workflow(chain, steps))
        seconds = time.perf_counter() - started
        latencies = [b - a for times in marks for a, b in itertools.pairwise(times)]
        recorded = sum(len(DBOS.list_workflow_steps(i, load_output=False)) for i in ids)
        marks.clear()
        for _ in range(SINGLE_RUNS):
            chain(SINGLE_STEPS)  # called directly: runs durably in this thread
        single = sorted(b - a for times in marks for a, b in itertools.pairwise(times))
    finally:
        DBOS.destroy()
    return {**summarise(recorded, seconds, latencies), "steps": recorded,
            "lost": instances * steps - recorded,
            "single_step_p50_ms": round(percentile(single, 50) * 1000, 2), **journal}


def _wal(path: str) -> dict[str, Any]:
    """Put the new SQLite file in WAL mode (persistent); report what DBOS's connections get."""
    with sqlite3.connect(path) as conn:
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        sync = conn.execute("PRAGMA synchronous").fetchone()[0]
    return {"sqlite_journal": mode, "sqlite_synchronous": {0: "off", 1: "normal", 2: "full",
                                                           3: "extra"}.get(sync, sync)}


def _in_threads(threads: int, count: int, start: Any) -> list[str]:
    """`count` workflows, `threads` at a time: each thread starts one and waits for it."""
    ids: list[str] = []
    numbers = iter(range(count))
    lock = threading.Lock()

    def client(_: int) -> None:
        while True:
            with lock:
                if next(numbers, None) is None:
                    return
            handle = start()
            handle.get_result()
            ids.append(handle.get_workflow_id())

    in_threads(threads, client)
    return ids


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]),
                          sys.argv[5] if len(sys.argv) > 5 else None)))
