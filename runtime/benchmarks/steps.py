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
(`runtime/benchmarks/dbos_peer.py`); `ratio` is Statewright's steps/s over DBOS's.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from typing import Any, NamedTuple

from runtime import Engine, Runner
from runtime.benchmarks.scratch import bench_engine

ACTION = "bench_noop"
SINGLE_STEPS = 20
SINGLE_RUNS = 5
STALL_S = 60.0  # no step recorded for this long: give up waiting, count the rest as lost


def chain_process(steps: int) -> dict[str, Any]:
    """A process of `steps` task states in a row, each running the no-op action."""
    tasks = [f"step_{n}" for n in range(1, steps + 1)]
    return {
        "schema": "statewright/v1",
        "key": f"bench-steps-{steps}",
        "name": f"Benchmark: {steps} automated steps in a row",
        "states": [{"id": "received", "type": "start"},
                   *({"id": t, "type": "task", "action": ACTION} for t in tasks),
                   {"id": "finished", "type": "end", "outcome": "completed"}],
        "transitions": [{"from": a, "to": b, **({"on": "done"} if a != "received" else {})}
                        for a, b in itertools.pairwise(["received", *tasks, "finished"])],
    }


def register(engine: Engine, calls: itertools.count[int] | None = None) -> None:
    """Register the no-op action (also the `--actions` module a worker process can load)."""
    counter = calls if calls is not None else itertools.count()

    @engine.action(ACTION)
    def noop(_ctx: Any) -> None:
        next(counter)  # counts handler calls; `itertools.count` is atomic under the GIL


def run(url: str | None = None, instances: int = 500, steps: int = 10, threads: int = 8,
        workers: int = 1, compare: bool = True) -> dict[str, Any]:
    """Run the benchmark (a temp SQLite file when `url` is None) and, if DBOS is installed
    and `compare`, the same workload on DBOS; returns the measurements."""
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


def start_instances(engine: Engine, key: str, instances: int, threads: int, batch: str
                    ) -> list[str]:
    """Start `instances` instances from `threads` client threads; returns their ids."""
    ids: list[str] = []
    errors: list[BaseException] = []

    def client(first: int) -> None:
        try:
            for _ in range(first, instances, threads):
                ids.append(engine.start(key, {}, actor="bench", business_key=batch))
        except BaseException as exc:
            errors.append(exc)

    clients = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for c in clients:
        c.start()
    for c in clients:
        c.join()
    if errors:
        raise errors[0]
    return ids


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
    return {"single_step_p50_ms": _ms(percentile(ordered, 50)),
            "single_step_p95_ms": _ms(percentile(ordered, 95))}


class LogCheck(NamedTuple):
    """What the instances' logs say: the counts, when the last step was recorded (epoch
    seconds) and each step's latency by the log's own clock (`at` of `action_succeeded`
    minus `at` of the `action_started` recorded when its job was scheduled)."""

    counts: dict[str, int]
    last_at: float
    latencies: list[float]


def check_log(engine: Engine, ids: list[str], steps: int) -> LogCheck:
    """Read every instance's log back: steps recorded, recorded twice, lost, unfinished."""
    recorded = duplicates = lost = unfinished = 0
    last_at = 0.0
    latencies: list[float] = []
    for iid in ids:
        state, due, seen = None, 0.0, set()
        for event in engine.history(iid):
            at = event.at.timestamp()
            if event.type == "transition":
                state = event.data["to"]
            elif event.type == "action_started":
                due = at
            elif event.type == "action_succeeded":
                if state in seen:
                    duplicates += 1
                    continue
                seen.add(state)
                recorded += 1
                latencies.append(at - due)
                last_at = max(last_at, at)
        lost += steps - len(seen)
        unfinished += state != "finished"
    counts = {"steps": recorded, "duplicates": duplicates, "lost": lost,
              "unfinished": unfinished}
    return LogCheck(counts, last_at, latencies)


def summarise(steps: int, seconds: float, latencies: list[float]) -> dict[str, Any]:
    """steps/s over `seconds` and the latency percentiles (ms) of `latencies` (seconds)."""
    ordered = sorted(latencies)
    return {
        "seconds": round(seconds, 2),
        "steps_per_s": round(steps / seconds) if seconds > 0 else 0,
        "step_p50_ms": _ms(percentile(ordered, 50)),
        "step_p95_ms": _ms(percentile(ordered, 95)),
        "step_p99_ms": _ms(percentile(ordered, 99)),
    }


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of already sorted values (0.0 for none)."""
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, round(pct / 100 * (len(sorted_values) - 1)))]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)
