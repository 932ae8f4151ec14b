"""Retries against a real local HTTP service: attempt counts, backoff within jitter, timeouts,
refused connections, and a retry time that survives a restart."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from flaky_service import down_url, running_service  # noqa: F401 (the `service` fixture)

from runtime import Engine
from runtime.core.clock import from_db
from runtime.store import schema as t


def process(retry: dict[str, Any], timeout_s: float | None = None,
            error_path: bool = True) -> dict[str, Any]:
    task: dict[str, Any] = {"id": "call", "type": "task", "action": "call_service",
                            "retry": retry}
    if timeout_s is not None:
        task["timeout_s"] = timeout_s
    transitions = [{"from": "begin", "to": "call"}, {"from": "call", "to": "ok", "on": "done"}]
    ends = [{"id": "ok", "type": "end", "outcome": "completed"}]
    if error_path:
        transitions.append({"from": "call", "to": "broken", "on": "error"})
        ends.append({"id": "broken", "type": "end", "outcome": "failed"})
    return {
        "schema": "statewright/v1", "key": "call-service",
        "variables": [{"name": "url", "type": "string"}, {"name": "calls", "type": "integer"}],
        "states": [{"id": "begin", "type": "start"}, task, *ends],
        "transitions": transitions,
    }


def register_http_action(engine: Engine) -> list[int]:
    attempts: list[int] = []

    @engine.action("call_service")
    def call_service(ctx: Any) -> dict[str, Any]:
        attempts.append(ctx.attempt)
        response = httpx.get(ctx.variables["url"], timeout=5)
        response.raise_for_status()
        return {"calls": response.json()["calls"]}

    return attempts


def due_at(engine: Engine, iid: str) -> Any:
    with engine.store.read() as conn:
        return from_db(conn.execute(t.jobs.select().where(
            t.jobs.c.instance_id == iid, t.jobs.c.state == t.JOB_READY)).first().run_at)


def failures(engine: Engine, iid: str) -> list[dict[str, Any]]:
    return [e.data for e in engine.history(iid) if e.type == "action_failed"]


def test_a_flaky_service_is_retried_until_it_answers(engine, clock, service):
    engine.publish(process({"max_attempts": 4, "initial_s": 1, "jitter": 0}))
    attempts = register_http_action(engine)
    iid = engine.start("call-service", {"url": f"{service.url}/flaky/a?fail=2"})
    for _ in range(3):
        engine.run_until_idle()
        clock.advance(5)
    inst = engine.get(iid)
    assert (inst.state, inst.status, inst.variables["calls"]) == ("ok", "completed", 3)
    assert attempts == [1, 2, 3] and service.calls["/flaky/a"] == 3
    logged = failures(engine, iid)
    assert [f["attempt"] for f in logged] == [1, 2]
    assert all(f["error_type"] == "HTTPStatusError" and "503" in f["error"] for f in logged)


@pytest.mark.parametrize("seed", range(2))
def test_the_time_between_attempts_stays_within_the_jitter(engine, clock, seed):
    policy = {"max_attempts": 4, "initial_s": 10, "multiplier": 2, "max_s": 25, "jitter": 0.5}
    engine.publish(process(policy))
    attempts = register_http_action(engine)
    iid = engine.start("call-service", {"url": down_url()})
    engine.run_until_idle()
    for base in (10, 20, 25):
        failed_at = clock.now()
        run_at = due_at(engine, iid)
        assert base * 0.5 <= (run_at - failed_at).total_seconds() <= base * 1.5
        clock.set(run_at - timedelta(milliseconds=10))
        engine.run_until_idle()
        assert len(attempts) == len(failures(engine, iid))  # not hurried
        clock.set(run_at)
        engine.run_until_idle()
    assert attempts == [1, 2, 3, 4]
    logged = failures(engine, iid)
    assert logged[-1]["final"] is True and logged[-1]["error_type"] == "ConnectError"
    assert engine.get(iid).state == "broken"


def test_a_retry_time_survives_a_restart(db_url, clock, service):
    with Engine(db_url, clock=clock) as first:
        first.publish(process({"max_attempts": 3, "initial_s": 60, "jitter": 0}))
        register_http_action(first)
        iid = first.start("call-service", {"url": f"{service.url}/flaky/r?fail=1"})
        first.run_until_idle()
        assert first.history(iid)[-1].type == "action_failed"
    with Engine(db_url, clock=clock) as second:
        attempts = register_http_action(second)
        clock.advance(59)
        second.run_until_idle()
        assert attempts == []  # a restart does not hurry the retry
        clock.advance(1)
        second.run_until_idle()
        assert attempts == [2]  # nor lose it, nor its attempt count
        assert second.get(iid).status == "completed"


def test_a_hanging_call_is_abandoned_and_counted_as_a_failed_attempt(engine, clock, service):
    engine.publish(process({"max_attempts": 2, "initial_s": 1, "jitter": 0}, timeout_s=0.2))
    attempts = register_http_action(engine)
    iid = engine.start("call-service", {"url": f"{service.url}/slow?s=1"})
    engine.run_until_idle()
    clock.advance(1)
    engine.run_until_idle()
    assert attempts == [1, 2]
    logged = failures(engine, iid)
    assert [f["attempt"] for f in logged] == [1, 2]
    assert all(f["error_type"] == "Timeout" and "timed out after 0.2 s" in f["error"]
               for f in logged)
    assert engine.get(iid).state == "broken"


def test_a_refused_connection_without_an_error_path_is_an_incident(engine, clock):
    engine.publish(process({"max_attempts": 1}, error_path=False))

    @engine.action("call_service")
    async def call_service(ctx: Any) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.get(ctx.variables["url"])
        return {"calls": response.json()["calls"]}

    iid = engine.start("call-service", {"url": down_url()})
    engine.run_until_idle()
    inst = engine.get(iid)
    assert (inst.state, inst.status) == ("call", "incident")
    incident = engine.history(iid)[-1]
    assert incident.type == "incident" and "error" in incident.data["reason"]
    assert failures(engine, iid)[0]["final"] is True


def test_a_hanging_async_action_is_cancelled_at_its_timeout(engine, clock):
    engine.publish(process({"max_attempts": 1}, timeout_s=0.2))
    outcome: list[str] = []

    @engine.action("call_service")
    async def call_service(ctx: Any) -> dict[str, Any]:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            outcome.append("cancelled")
            raise
        return {}

    iid = engine.start("call-service", {"url": down_url()})
    engine.run_until_idle()
    assert engine.get(iid).state == "broken"
    assert failures(engine, iid)[0]["error_type"] == "Timeout"
    for _ in range(50):  # the cancellation reaches the coroutine on the loop's thread
        if outcome:
            break
        time.sleep(0.02)
    assert outcome == ["cancelled"]


def test_handlers_stuck_past_their_timeout_do_not_starve_later_actions(db_url, clock):
    release = threading.Event()
    with Engine(db_url, clock=clock, action_threads=2) as engine:
        engine.publish(process({"max_attempts": 1}, timeout_s=0.1))

        @engine.action("call_service")
        def call_service(ctx: Any) -> dict[str, Any]:
            if ctx.variables["url"] == "hang":
                release.wait(10)  # ignores its timeout, as a blocking call without one does
            return {}

        try:
            stuck = [engine.start("call-service", {"url": "hang"}) for _ in range(3)]
            engine.run_until_idle()
            quick = engine.start("call-service", {"url": "quick"})
            engine.run_until_idle()
            assert [engine.get(i).state for i in stuck] == ["broken"] * 3
            assert engine.get(quick).state == "ok"  # not queued behind the stuck threads
        finally:
            release.set()
