"""The steps benchmark's workload, shared by the in-process run, the worker processes and
the DBOS peer: the chained process, starting instances, reading the log back, percentiles."""

from __future__ import annotations

import itertools
from typing import Any, NamedTuple

from runtime import Engine
from runtime.benchmarks.threads import in_threads

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


def start_instances(engine: Engine, key: str, instances: int, threads: int, batch: str
                    ) -> list[str]:
    """Start `instances` instances from `threads` client threads; returns their ids."""
    ids: list[str] = []

    def client(first: int) -> None:
        for _ in range(first, instances, threads):
            ids.append(engine.start(key, {}, actor="bench", business_key=batch))

    in_threads(threads, client)
    return ids


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
        "step_p50_ms": ms(percentile(ordered, 50)),
        "step_p95_ms": ms(percentile(ordered, 95)),
        "step_p99_ms": ms(percentile(ordered, 99)),
    }


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of already sorted values (0.0 for none)."""
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, round(pct / 100 * (len(sorted_values) - 1)))]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)
