"""Alert latency: from the moment a condition holds to the moment the receiver has the message.

A `Runner` (real clock) evaluates alerts every `interval_s`; a circuit breaker is opened (one
failure with a threshold of one), and the time until a local webhook receiver gets the
`alert_firing` message is measured; then the breaker closes and the `alert_resolved` message
is timed the same way. Each change is made at a random moment of the interval, so the
latency is spread over (evaluation + delivery, interval + evaluation + delivery).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from runtime.alerts import add_rule, remove_rule
from runtime.engine import Engine
from runtime.execution.runner import Runner
from runtime.people.notifications import add_channel
from runtime.people.notifications.targets import ALLOW_ENV

GROUP = "bench-gateway"


def run(url: str | None = None, rounds: int = 10, interval_s: float = 1.0) -> dict[str, Any]:
    # The receiver listens on loopback, which notifications may reach only when allowed.
    before = os.environ.get(ALLOW_ENV)
    os.environ[ALLOW_ENV] = "127.0.0.1"
    try:
        with tempfile.TemporaryDirectory() as folder:
            return _run(url or f"sqlite:///{Path(folder) / 'alerts.db'}", rounds, interval_s)
    finally:
        if before is None:
            del os.environ[ALLOW_ENV]
        else:
            os.environ[ALLOW_ENV] = before


def _run(url: str, rounds: int, interval_s: float) -> dict[str, Any]:
    arrived: dict[str, threading.Event] = {"alert_firing": threading.Event(),
                                           "alert_resolved": threading.Event()}
    stamps: dict[str, float] = {}

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            kind = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["type"]
            stamps[kind] = time.perf_counter()
            self.send_response(204)
            self.end_headers()
            arrived[kind].set()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    firing, resolved = [], []
    with Engine(url) as engine:
        engine.alerts.every_s = interval_s
        engine.breakers.failure_threshold = 1
        add_rule(engine.ledger, {"name": "bench-breaker", "kind": "breaker_open",
                                 "breaker": GROUP})
        add_channel(engine, "alert", "bench-breaker", "webhook",
                    f"http://127.0.0.1:{server.server_port}/alerts")
        runner = Runner(engine).start()
        try:
            for _ in range(rounds):
                for ok, kind, into in ((False, "alert_firing", firing),
                                       (True, "alert_resolved", resolved)):
                    arrived[kind].clear()
                    # At a random phase of the interval, not just after an evaluation.
                    time.sleep(random.uniform(0, interval_s))
                    start = time.perf_counter()
                    engine.breakers.record(GROUP, ok=ok)
                    if not arrived[kind].wait(interval_s * 3 + 10):
                        raise RuntimeError(f"no {kind} message within {interval_s * 3 + 10} s")
                    into.append(stamps[kind] - start)
        finally:
            runner.stop()
            server.shutdown()
            remove_rule(engine.ledger, "bench-breaker")  # a database given may run it again
    return {"interval_s": interval_s, "rounds": rounds, "database": engine.store.dialect,
            "firing": _summary(firing), "resolved": _summary(resolved)}


def _summary(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {"p50_s": statistics.median(ordered),
            "p95_s": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
            "max_s": ordered[-1], "min_s": ordered[0]}
