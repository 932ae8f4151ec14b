"""Bulkheads: 200 instances of an action with `concurrency: 3` never run more than three at
once over the runner's many threads, and an unlimited action is not held up behind them."""

from __future__ import annotations

import threading
import time
from typing import Any

from runtime import Engine, Runner

INSTANCES = 200


def process(key: str, action: str, concurrency: int | None) -> dict[str, Any]:
    task: dict[str, Any] = {"id": "work", "type": "task", "action": action}
    if concurrency:
        task["concurrency"] = concurrency
    return {"schema": "statewright/v1", "key": key,
            "states": [{"id": "begin", "type": "start"}, task,
                       {"id": "done", "type": "end", "outcome": "completed"},
                       {"id": "broken", "type": "end", "outcome": "failed"}],
            "transitions": [{"from": "begin", "to": "work"},
                            {"from": "work", "to": "done", "on": "done"},
                            {"from": "work", "to": "broken", "on": "error"}]}


def test_a_bulkhead_caps_concurrent_runs_without_blocking_other_actions(db_url):
    lock = threading.Lock()
    now_running, most = 0, 0
    fast_done = threading.Event()
    limited_done_before_fast = []

    with Engine(db_url, action_threads=32) as engine:
        @engine.action("limited")
        def limited(ctx: Any) -> dict[str, Any]:
            nonlocal now_running, most
            with lock:
                now_running += 1
                most = max(most, now_running)
            time.sleep(0.01)
            with lock:
                now_running -= 1
                if not fast_done.is_set():
                    limited_done_before_fast.append(ctx.instance_id)
            return {}

        @engine.action("fast")
        def fast(ctx: Any) -> dict[str, Any]:
            fast_done.set()
            return {}

        engine.publish(process("limited", "limited", 3))
        engine.publish(process("fast", "fast", None))
        ids = [engine.start("limited") for _ in range(INSTANCES)]
        fast_id = engine.start("fast")
        runner = Runner(engine, poll_s=0.05, threads=16).start()
        try:
            deadline = time.monotonic() + 90
            while engine.list_instances(definition="limited", status="completed").total < len(ids):
                assert time.monotonic() < deadline, "the limited instances did not finish"
                time.sleep(0.1)
        finally:
            runner.stop()
        assert most == 3  # the cap was reached and never passed
        assert engine.get(fast_id).status == "completed"
        assert len(limited_done_before_fast) < INSTANCES  # not queued behind all of them
        history = engine.history(ids[0])
        assert [e.data["attempt"] for e in history if e.type == "action_succeeded"] == [1]
