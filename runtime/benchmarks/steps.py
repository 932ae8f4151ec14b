"""The steps benchmark: automated steps run by the embedded `Runner`, side by side with DBOS.

Workload: a process of `steps` chained `task` states whose action does nothing, `instances`
instances started by `threads` client threads while the runner (`Runner(engine,
threads=threads)`, or `workers` separate worker processes on the same database) runs them.

What is measured:
- A *step* is one action completed and recorded: an `action_succeeded` event committed to the
  log. `steps_per_s` is the steps recorded divided by the wall time from the first `start`
  call until the commit of the last step (instance creation is inside the window, as it is for
  DBOS, whose workflow creation is inside its window).
- A step's *latency* runs from its job becoming due to its completion being committed. A job
  is due when the transaction that entered its task state commits (the instance's start for
  the first step, the previous step's completion for the others), so with one worker it is the
  time between two consecutive commits of the same instance, taken from `engine.changes`
  (called on the writer thread right after each commit). It includes waiting for a free
  runner thread: with 500 instances in flight and 8 threads, jobs queue. With several worker
  processes (whose commits this process does not see) it is taken from the log instead:
  `at` of `action_succeeded` minus `at` of the `action_started` recorded when the job was
  scheduled (both stamped inside their transactions, just before commit).
- `single_step_p50_ms`: one instance at a time through a 20-step chain (5 runs), the same
  per-step latency with nothing else in flight.
- Afterwards every instance's log is read back: `duplicates` counts steps recorded more than
  once for one visit of a state, `lost` the steps of the chain never recorded. `actions_run`
  counts handler calls (at-least-once: it may exceed the steps when a lease ran out).

The same workload on DBOS (when `dbos` is importable) runs in a separate process
(`runtime/benchmarks/dbos_peer.py`); `ratio` is Statewright's steps/s over DBOS's. With
`rounds` > 1 each round runs both, on fresh databases, and `ratio` is the median of the
rounds' ratios (`runtime/benchmarks/rounds.py`).
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from typing import Any

from runtime import Engine, Runner
from runtime.benchmarks.rounds import paired_rounds
from runtime.benchmarks.scratch import bench_engine
from runtime.benchmarks.steps_workload import (
    SINGLE_RUNS,
    SINGLE_STEPS,
    STALL_S,
    chain_process,
    check_log,
    ms,
    percentile,
    register,
    start_instances,
    summarise,
)


def run(url: str | None = None, instances: int = 500, steps: int = 10, threads: int = 8,
        workers: int = 1, compare: bool = True, rounds: int = 1) -> dict[str, Any]:
    """Run the benchmark (a temp SQLite file when `url` is None) and, if DBOS is installed
    and `compare`, the same workload on DBOS, `rounds` times; returns the measurements."""
    return paired_rounds(rounds, lambda: _round(url, instances, steps, threads, workers,
                                                compare))


def _round(url: str | None, instances: int, steps: int, threads: int, workers: int,
           compare: bool) -> dict[str, Any]:
    with bench_engine(url, "steps.db") as engine:
        calls = itertools.count()
        register(engine, calls)
        document = chain_process(steps)
        engine.publish(document, actor="bench")
        if workers > 1:
            from runtime.benchmarks.steps_workers import measure_in_workers

            measured = measure_in_workers(engine, document["key"], instances, steps,
                                          threads, workers)
        else:
            measured = _measure_embedded(engine, document["key"], instances, steps, threads,
                                         calls)
        single = _measure_single(engine, threads)
        result = {
            "database": engine.store.dialect, "url": engine.store.display_url,
            "instances": instances, "steps_per_instance": steps, "threads": threads,
            "workers": workers, **measured, **single,
        }
        engine_url = engine.url
    if compare:  # after the engine closed: nothing of ours runs while DBOS does
        from runtime.benchmarks import dbos_peer

        result.update(dbos_peer.compare(engine_url, result["database"], instances, steps,
                                        threads, result["steps_per_s"]))
    return result


class _Commits:
    """Commit times of one definition's instances, from `engine.changes` (writer thread)."""

    def __init__(self, engine: Engine, key: str, expected_done: int) -> None:
        self.key, self.expected_done = key, expected_done
        self.times: dict[str, list[float]] = {}  # instance -> commit times, in order
        self.steps = 0
        self.done = 0
        self.last = time.perf_counter()
        self.all_done = threading.Event()
        self._unsubscribe = engine.changes.subscribe(self._on_change)

    def _on_change(self, change: Any) -> None:
        if change.definition != self.key:
            return
        now = time.perf_counter()
        self.times.setdefault(change.instance_id, []).append(now)
        if "action_succeeded" in change.event_types:
            self.steps += 1
            self.last = now
        if change.status == "completed":
            self.done += 1
            if self.done >= self.expected_done:
                self.all_done.set()

    def wait(self) -> None:
        while not self.all_done.wait(0.5):
            if time.perf_counter() - self.last > STALL_S:
                break
        self._unsubscribe()

    def latencies(self) -> list[float]:
        return [b - a for times in self.times.values() for a, b in itertools.pairwise(times)]


def _measure_embedded(engine: Engine, key: str, instances: int, steps: int, threads: int,
                      calls: itertools.count[int]) -> dict[str, Any]:
    commits = _Commits(engine, key, instances)
    runner = Runner(engine, threads=threads).start()
    try:
        started = time.perf_counter()
        commits.last = started
        ids = start_instances(engine, key, instances, threads, uuid.uuid4().hex)
        commits.wait()
    finally:
        runner.stop()
    seconds = commits.last - started
    checked = check_log(engine, ids, steps)
    return {**summarise(checked.counts["steps"], seconds, commits.latencies()),
            **checked.counts, "actions_run": next(calls)}


def _measure_single(engine: Engine, threads: int) -> dict[str, Any]:
    """Per-step latency of one instance alone through a SINGLE_STEPS chain."""
    document = chain_process(SINGLE_STEPS)
    engine.publish(document, actor="bench")
    latencies: list[float] = []
    runner = Runner(engine, threads=threads).start()
    try:
        for _ in range(SINGLE_RUNS):
            commits = _Commits(engine, document["key"], 1)
            engine.start(document["key"], {}, actor="bench")
            commits.wait()
            latencies += commits.latencies()
    finally:
        runner.stop()
    ordered = sorted(latencies)
    return {"single_step_p50_ms": ms(percentile(ordered, 50)),
            "single_step_p95_ms": ms(percentile(ordered, 95))}


