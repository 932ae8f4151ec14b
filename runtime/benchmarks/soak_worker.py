"""The worker process the soak kills: what `statewright worker` runs, with timestamps.

`python -m runtime.benchmarks.soak_worker URL LEASE_S THREADS CALLS_FILE [elsewhere]` opens an
engine on URL (`lease_s=LEASE_S`; with `elsewhere`, under the worker id of a process on another
host, whose leases no restart on this host takes over: they come back when they run out),
registers the steps workload's no-op action, starts a
`Runner(engine, threads=THREADS)` and runs until its standard input closes; then it stops
cleanly. It writes one JSON line per milestone to standard output (each with `at`, epoch
seconds by this host's wall clock, which the parent shares):

- `{"event": "ready", "started": ..., "imported": ..., "engine": ..., "runner": ...}` once its
  runner runs: when the module began running, when `runtime` was imported, when the engine
  was open and when `Runner.start` returned (it takes over this host's dead workers' leases
  first: `taken_over` is how many jobs, from the runner's log record);
- `{"event": "first", "at": ...}` once the first `action_succeeded` this process recorded
  committed (from `engine.changes`, which the writer thread calls right after the commit);
- `{"event": "stopped", "calls": n}` after a clean stop.

Every call of the action appends `instance state attempt` to CALLS_FILE with one `write`
(O_APPEND), so the calls of a process killed mid-run are counted too.
"""

from __future__ import annotations

import time

STARTED = time.time()  # before the heavy imports: what follows is import + engine cost

import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import uuid  # noqa: E402
from typing import Any  # noqa: E402

from runtime import Engine, Runner  # noqa: E402
from runtime.benchmarks.steps_workload import ACTION  # noqa: E402


def _say(record: dict[str, Any]) -> None:
    """One line, one `write` (atomic on a pipe), from whichever thread."""
    os.write(1, (json.dumps(record) + "\n").encode())


class _TakenOver(logging.Handler):
    """Catches the runner's "took over N job(s)" record, so `ready` can say how many."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.jobs = 0

    def emit(self, record: logging.LogRecord) -> None:
        if str(record.msg).startswith("took over") and record.args:
            self.jobs = int(record.args[0])  # type: ignore[index]


def main(url: str, lease_s: float, threads: int, calls_file: str, elsewhere: bool) -> None:
    imported = time.time()
    taken = _TakenOver()
    runner_log = logging.getLogger("statewright.runner")
    runner_log.addHandler(taken)
    runner_log.setLevel(logging.INFO)
    errors = logging.StreamHandler()  # warnings and errors still go to standard error
    errors.setLevel(logging.WARNING)
    logging.getLogger().addHandler(errors)
    worker_id = f"soak-elsewhere:{os.getpid()}:{uuid.uuid4().hex[:8]}" if elsewhere else None
    engine = Engine(url, lease_s=lease_s, worker_id=worker_id)
    opened = time.time()
    calls = os.open(calls_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    count = [0]

    @engine.action(ACTION)
    def noop(ctx: Any) -> None:
        os.write(calls, f"{ctx.instance_id} {ctx.state} {ctx.attempt}\n".encode())
        count[0] += 1

    first = threading.Event()

    def on_change(change: Any) -> None:
        if not first.is_set() and "action_succeeded" in change.event_types:
            first.set()
            _say({"event": "first", "at": time.time()})

    engine.changes.subscribe(on_change)
    runner = Runner(engine, threads=threads).start()  # as `statewright worker` runs it
    _say({"event": "ready", "started": STARTED, "imported": imported, "engine": opened,
          "runner": time.time(), "taken_over": taken.jobs, "pid": os.getpid(),
          "worker": engine.worker_id})
    try:
        sys.stdin.read()
    finally:
        runner.stop()
        engine.close()
    _say({"event": "stopped", "calls": count[0]})


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4],
         sys.argv[5:] == ["elsewhere"])
