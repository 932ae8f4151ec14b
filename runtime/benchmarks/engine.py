"""The engine benchmark: many instances in flight, concurrent senders, durable transitions.

Starts `instances` instances of a looping wait process, then `senders` threads send
`transitions` events to each (round-robin over their share, so every instance is in flight
the whole time). Reports durable transitions per second, send latency percentiles and the
peak resident memory of the process.
"""

from __future__ import annotations

import resource
import statistics
import time
from typing import Any

from runtime.benchmarks.scratch import bench_engine
from runtime.benchmarks.threads import in_threads
from runtime.engine import Engine

PROCESS: dict[str, Any] = {
    "schema": "statewright/v1",
    "key": "bench-order-loop",
    "name": "Benchmark: an order that is revised again and again",
    "variables": [{"name": "revision", "type": "integer", "default": 0},
                  {"name": "note", "type": "string"}],
    "states": [
        {"id": "received", "type": "start"},
        {"id": "revising", "type": "wait"},
        {"id": "closed", "type": "end", "outcome": "completed"},
    ],
    "transitions": [
        {"from": "received", "to": "revising"},
        {"from": "revising", "to": "revising", "on": "revise", "set": {"revision": "revision + 1"}},
        {"from": "revising", "to": "closed", "on": "close"},
    ],
}


def run(url: str | None = None, instances: int = 10_000, transitions: int = 10,
        senders: int = 16) -> dict[str, Any]:
    """Run the benchmark and return its measurements (a temp SQLite file when `url` is None)."""
    with bench_engine(url, "bench.db") as engine:
        return _measure(engine, instances, transitions, senders)


def _measure(engine: Engine, instances: int, transitions: int, senders: int) -> dict[str, Any]:
    engine.publish(PROCESS, actor="bench")
    ids: list[str] = []
    started = time.perf_counter()
    in_threads(senders, lambda n: ids.extend(
        engine.start(PROCESS["key"], {"note": f"order {i}"}, actor="bench")
        for i in range(n, instances, senders)))
    start_s = time.perf_counter() - started

    latencies: list[list[float]] = [[] for _ in range(senders)]

    def drive(worker: int) -> None:
        mine, record = ids[worker::senders], latencies[worker]
        for round_ in range(transitions):
            event = "close" if round_ == transitions - 1 else "revise"
            for iid in mine:
                t0 = time.perf_counter()
                engine.send(iid, event, {"note": f"round {round_}"}, actor="bench")
                record.append(time.perf_counter() - t0)

    started = time.perf_counter()
    in_threads(senders, drive)
    send_s = time.perf_counter() - started
    flat = sorted(x for per in latencies for x in per)
    return {
        "database": engine.store.dialect,
        "url": engine.store.display_url,
        "instances": instances,
        "transitions_per_instance": transitions,
        "senders": senders,
        "starts_per_s": round(instances / start_s),
        "transitions": len(flat),
        "transitions_per_s": round(len(flat) / send_s),
        "send_p50_ms": round(_percentile(flat, 50) * 1000, 2),
        "send_p95_ms": round(_percentile(flat, 95) * 1000, 2),
        "send_p99_ms": round(_percentile(flat, 99) * 1000, 2),
        "send_mean_ms": round(statistics.fmean(flat) * 1000, 2) if flat else 0.0,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "seconds": round(start_s + send_s, 1),
    }


def _percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, round(pct / 100 * (len(sorted_values) - 1)))
    return sorted_values[index]
