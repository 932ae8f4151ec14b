"""Circuit breakers against a real local HTTP service: opening after failures in a row,
postponing attempts without spending them, half-opening for one trial, REST and metrics."""

from __future__ import annotations

from typing import Any

import httpx
from api_callers import Callers
from fastapi.testclient import TestClient
from flaky_service import down_url, running_service  # noqa: F401 (the `service` fixture)

from runtime.api import create_app


def process(key: str, breaker: str | None = None) -> dict[str, Any]:
    task: dict[str, Any] = {"id": "call", "type": "task", "action": "call_service",
                            "retry": {"max_attempts": 10, "initial_s": 1, "jitter": 0,
                                      "multiplier": 1}}
    if breaker:
        task["breaker"] = breaker
    return {
        "schema": "statewright/v1", "key": key,
        "variables": [{"name": "url", "type": "string"}],
        "states": [{"id": "begin", "type": "start"}, task,
                   {"id": "ok", "type": "end", "outcome": "completed"},
                   {"id": "broken", "type": "end", "outcome": "failed"}],
        "transitions": [{"from": "begin", "to": "call"},
                        {"from": "call", "to": "ok", "on": "done"},
                        {"from": "call", "to": "broken", "on": "error"}],
    }


def http_action(engine: Any) -> list[tuple[str, int]]:
    calls: list[tuple[str, int]] = []

    @engine.action("call_service")
    def call_service(ctx: Any) -> dict[str, Any]:
        calls.append((ctx.instance_id, ctx.attempt))
        httpx.get(ctx.variables["url"], timeout=5).raise_for_status()
        return {}

    return calls


def tick(engine: Any, clock: Any, seconds: float, times: int = 1) -> None:
    for _ in range(times):
        clock.advance(seconds)
        engine.run_until_idle()


def test_an_open_breaker_postpones_attempts_until_a_trial_closes_it(engine, clock, service):
    engine.breakers.failure_threshold, engine.breakers.open_s = 3, 30
    engine.publish(process("svc"))
    calls = http_action(engine)
    iid = engine.start("svc", {"url": f"{service.url}/flaky/x?fail=3"})
    engine.run_until_idle()
    tick(engine, clock, 1, times=2)
    assert [a for _, a in calls] == [1, 2, 3]
    state = engine.breakers.state("call_service")
    assert (state.state, state.failures) == ("open", 3)
    tick(engine, clock, 1, times=20)  # retries fall due, but no call is made while open
    assert len(calls) == 3 and engine.get(iid).state == "call"
    tick(engine, clock, 10)  # 30 s after opening: half-open, one trial, which succeeds
    assert [a for _, a in calls] == [1, 2, 3, 4]  # the postponements spent no attempt
    assert engine.get(iid).status == "completed"
    assert engine.breakers.state("call_service").state == "closed"


def test_a_failed_trial_opens_the_breaker_again(engine, clock):
    engine.breakers.failure_threshold, engine.breakers.open_s = 2, 30
    engine.publish(process("svc"))
    calls = http_action(engine)
    first = engine.start("svc", {"url": down_url()})
    second = engine.start("svc", {"url": down_url()})
    engine.run_until_idle()
    assert len(calls) == 2 and engine.breakers.state("call_service").state == "open"
    tick(engine, clock, 30)
    assert len(calls) == 3  # half-open lets exactly one of the two waiting jobs through
    assert engine.breakers.state("call_service").state == "open"
    tick(engine, clock, 29)
    assert len(calls) == 3
    assert {engine.get(first).state, engine.get(second).state} == {"call"}


def test_groups_are_independent_and_shared_by_name(engine, clock, service):
    engine.breakers.failure_threshold = 1
    engine.publish(process("down-one", breaker="bureau"))
    engine.publish(process("down-two", breaker="bureau"))
    engine.publish(process("other"))
    calls = http_action(engine)
    engine.start("down-one", {"url": down_url()})
    engine.run_until_idle()
    engine.start("down-two", {"url": f"{service.url}/ok"})
    healthy = engine.start("other", {"url": f"{service.url}/ok"})
    engine.run_until_idle()
    assert len(calls) == 2  # "down-two" shares the open `bureau` breaker; "other" does not
    assert engine.get(healthy).status == "completed"
    assert [(b.name, b.state) for b in engine.breakers.states()] == [("bureau", "open")]


def test_breaker_states_over_rest_and_metrics(engine, clock):
    engine.breakers.failure_threshold = 1
    engine.publish(process("svc", breaker="bureau"))
    http_action(engine)
    engine.start("svc", {"url": down_url()})
    engine.run_until_idle()
    app = create_app(engine)
    with TestClient(app, headers=Callers(app).bearer("otto", "operator")) as client:
        body = client.get("/api/v1/breakers").json()
        assert [(b["name"], b["state"], b["failures"]) for b in body] == [("bureau", "open", 1)]
        assert 'statewright_breaker_state{group="bureau"} 2.0' in client.get("/metrics").text
        clock.advance(30)
        assert client.get("/api/v1/breakers").json()[0]["state"] == "half-open"
