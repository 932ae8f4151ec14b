"""Commit → visible across processes: how long a change one process commits takes to reach
another process's `engine.changes` (what an open page of `serve` waits for when a `worker`
advances an instance).

A writer process (spawned: its own interpreter, Engine and writer) sends `changes` events to
one instance, 0.1-0.5 s apart at random (so commits do not fall in step with the SQLite
watch's polls), and notes the wall-clock time right after each commit (its hub's subscriber
runs on its writer thread after the commit). This process follows other processes' changes
and notes when each arrives. A commit is visible when a change with its seq or a later one
has arrived: the SQLite watch folds the commits of one poll into one change. The time of a
commit lies between the start of its `send` and the writer's note: the latency is given from
the note (`p50_ms`, ...; slightly low, even below 0 when the other process heard first) and
from the start of the `send` (`from_send_p50_ms`, ...; slightly high: it includes the commit).

    python -m runtime.benchmarks.changes [--db URL] [--changes 50] [--json]

(default: a throwaway SQLite file; on PostgreSQL it adds a definition and an instance).
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import random
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from runtime.core.errors import EngineError
from runtime.engine import Engine
from runtime.store.changes import Change

PROCESS: dict[str, Any] = {
    "schema": "statewright/v1",
    "key": "bench-ping-pong",
    "name": "Benchmark: an instance moved back and forth by another process",
    "states": [{"id": "received", "type": "start"}, {"id": "ping", "type": "wait"},
               {"id": "pong", "type": "wait"},
               {"id": "done", "type": "end", "outcome": "completed"}],
    "transitions": [{"from": "received", "to": "ping"},
                    {"from": "ping", "to": "pong", "on": "pong"},
                    {"from": "pong", "to": "ping", "on": "ping"},
                    {"from": "ping", "to": "done", "on": "stop"}],
}


def run(url: str | None = None, changes: int = 50) -> dict[str, Any]:
    """Measure and return the commit → visible latencies (temp SQLite file when `url` is None)."""
    with tempfile.TemporaryDirectory(prefix="statewright-bench-") as scratch:
        url = url or f"sqlite:///{Path(scratch) / 'changes.db'}"
        with Engine(url) as engine:
            engine.publish(PROCESS, actor="bench")
            instance_id = engine.start(PROCESS["key"], actor="bench")
            arrivals: list[tuple[int, float]] = []

            def heard(change: Change) -> None:
                if change.instance_id == instance_id:
                    arrivals.append((change.seq, time.time()))

            engine.changes.subscribe(heard)
            if not engine.follow_other_processes():
                raise EngineError("the change feed did not start within 5 s")
            commits = _in_writer_process(url, instance_id, changes)
            time.sleep(1.0)  # the last arrivals
        latencies, from_send = [], []
        for seq, sent, committed in commits:
            seen = next((at for s, at in arrivals if s >= seq), None)
            if seen is not None:
                latencies.append((seen - committed) * 1000)
                from_send.append((seen - sent) * 1000)
        latencies.sort()
        from_send.sort()
        return {"database": engine.store.dialect, "commits": len(commits),
                "changes_heard": len(arrivals), "not_seen": len(commits) - len(latencies),
                "p50_ms": _rank(latencies, 0.50), "p95_ms": _rank(latencies, 0.95),
                "max_ms": _rank(latencies, 1.0),
                "from_send_p50_ms": _rank(from_send, 0.50),
                "from_send_p95_ms": _rank(from_send, 0.95)}


def _in_writer_process(url: str, instance_id: str, changes: int
                       ) -> list[tuple[int, float, float]]:
    context = multiprocessing.get_context("spawn")  # a fresh interpreter, as a worker is
    ours, theirs = context.Pipe()
    writer = context.Process(target=write, args=(url, instance_id, changes, theirs))
    writer.start()
    try:
        if not ours.poll(60 + changes):
            raise EngineError("the writer process sent no results")
        return ours.recv()
    finally:
        writer.join(timeout=10)


def write(url: str, instance_id: str, changes: int, results: Connection) -> None:
    """The writer process: send `changes` events; report (seq, send started, commit noted)."""
    pace = random.Random(7)
    noted: list[tuple[int, float]] = []
    started: list[float] = []
    with Engine(url) as engine:
        engine.changes.subscribe(
            lambda c: noted.append((c.seq, time.time())) if c.instance_id == instance_id
            else None)
        for n in range(changes):
            started.append(time.time())
            engine.send(instance_id, "pong" if n % 2 == 0 else "ping", actor="bench")
            time.sleep(pace.uniform(0.1, 0.5))
    results.send([(seq, sent, at) for (seq, at), sent in zip(noted, started, strict=True)])


def _rank(ordered: list[float], q: float) -> float | None:
    """Nearest-rank percentile of an ordered list."""
    if not ordered:
        return None
    return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)], 1) + 0.0  # no -0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="database URL (default: a throwaway SQLite file)")
    parser.add_argument("--changes", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.db, args.changes)
    if args.json:
        print(json.dumps({"changes": result}, indent=2))
    else:
        print(f"{result['database']}: {result['commits']} commits in another process, "
              f"visible here after p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
              f"max {result['max_ms']} ms ({result['not_seen']} never seen); from the start "
              f"of the send: p50 {result['from_send_p50_ms']} ms, "
              f"p95 {result['from_send_p95_ms']} ms")


if __name__ == "__main__":
    main()
