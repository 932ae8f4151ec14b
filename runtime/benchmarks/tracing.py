"""The tracing benchmark: what a transition costs with tracing off and with an OTLP exporter.

Three modes, each on a fresh engine (tracing is decided when an engine is built, from the
`OTEL_*` variables this sets and restores): `off` (no variable), `http` and `grpc` (exporting
to a real receiver in this process, `otlp_receiver`). Modes take turns for `rounds` rounds
so drift on a shared machine falls on all of them alike. Measured per mode: the latency of
one durable transition (`send` from one thread, so it is the cost of that transition and its
commit, percentiles), and the wall time of automated steps (`run_until_idle` over a chain of
no-op actions: one transition, one action run and its spans per step). With an exporter, the
spans that reached the receiver are counted against those expected.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from runtime.benchmarks.engine import PROCESS
from runtime.benchmarks.otlp_receiver import OtlpReceiver
from runtime.benchmarks.scratch import bench_engine
from runtime.benchmarks.steps_workload import chain_process, percentile, register
from runtime.engine import Engine

MODES = ("off", "http", "grpc")
PROTOCOL = {"http": "http/protobuf", "grpc": "grpc"}
# spans: a start makes the instance span and two transitions; a revise one transition; an
# automated step one transition and one action run
START_SPANS, SEND_SPANS, STEP_SPANS = 3, 1, 2


def run(url: str | None = None, instances: int = 50, transitions: int = 20, steps: int = 5,
        rounds: int = 3) -> dict[str, Any]:
    """Measure each mode; `transitions` events to each of `instances` loop instances, and
    `instances` chains of `steps` automated steps, per round."""
    sends: dict[str, list[float]] = {m: [] for m in MODES}
    step_s: dict[str, list[float]] = {m: [] for m in MODES}
    spans: dict[str, list[int]] = {m: [0, 0] for m in MODES}  # received, expected
    database = ""
    for round_ in range(rounds):
        for mode in MODES:
            with _environment(mode) as receiver, bench_engine(url, f"trace-{mode}.db") as eng:
                database = eng.store.dialect
                expected = _sends(eng, instances, transitions, sends[mode], f"{mode}{round_}")
                expected += _steps(eng, instances, steps, step_s[mode])
                if receiver is not None:
                    assert eng.tracing is not None
                    eng.tracing.flush()
                    spans[mode][0] += len(receiver.wait_for(expected, timeout_s=10))
                    spans[mode][1] += expected
    result: dict[str, Any] = {"database": database, "instances": instances,
                              "transitions_per_instance": transitions, "steps": steps,
                              "rounds": rounds}
    base = _summary(sends["off"], step_s["off"], instances * steps * rounds)
    for mode in MODES:
        summary = _summary(sends[mode], step_s[mode], instances * steps * rounds)
        if mode != "off":
            summary["spans_received"], summary["spans_expected"] = spans[mode]
            for key in ("send_p50_us", "send_p95_us", "send_p99_us", "step_mean_us"):
                summary[key.replace("_us", "_overhead_pct")] = round(
                    100 * (summary[key] - base[key]) / base[key], 1) if base[key] else None
        result[mode] = summary
    return result


def _sends(engine: Engine, instances: int, transitions: int, into: list[float], tag: str
           ) -> int:
    engine.publish(PROCESS, actor="bench")
    ids = [engine.start(PROCESS["key"], {"note": f"{tag} {n}"}, actor="bench")
           for n in range(instances)]
    for round_ in range(transitions):
        for iid in ids:
            began = time.perf_counter()
            engine.send(iid, "revise", {"note": f"round {round_}"}, actor="bench")
            into.append(time.perf_counter() - began)
    return instances * (START_SPANS + transitions * SEND_SPANS)


def _steps(engine: Engine, instances: int, steps: int, into: list[float]) -> int:
    process = chain_process(steps)
    engine.publish(process, actor="bench")
    register(engine)
    for n in range(instances):
        engine.start(process["key"], {}, actor="bench", business_key=f"chain {n}")
    began = time.perf_counter()
    engine.run_until_idle(timeout_s=600)
    into.append(time.perf_counter() - began)
    return instances * (START_SPANS + steps * STEP_SPANS)


def _summary(sends: list[float], step_runs: list[float], steps: int) -> dict[str, Any]:
    flat = sorted(sends)
    return {
        "transitions": len(flat),
        "send_p50_us": round(percentile(flat, 50) * 1e6, 1),
        "send_p95_us": round(percentile(flat, 95) * 1e6, 1),
        "send_p99_us": round(percentile(flat, 99) * 1e6, 1),
        "step_mean_us": round(sum(step_runs) / steps * 1e6, 1) if steps else 0.0,
        "steps_per_s": round(steps / sum(step_runs)) if step_runs else 0,
    }


@contextmanager
def _environment(mode: str) -> Iterator[OtlpReceiver | None]:
    """The `OTEL_*` variables of `mode` for engines built inside; the old ones restored after."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("OTEL_")}
    for name in saved:
        del os.environ[name]
    try:
        if mode == "off":
            yield None
            return
        with OtlpReceiver(PROTOCOL[mode]) as receiver:
            os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.endpoint
            os.environ["OTEL_EXPORTER_OTLP_PROTOCOL"] = PROTOCOL[mode]
            os.environ["OTEL_SERVICE_NAME"] = "statewright-bench"
            yield receiver
    finally:
        for name in [k for k in os.environ if k.startswith("OTEL_")]:
            del os.environ[name]
        os.environ.update(saved)
