"""Compensations pass their circuit breaker: an open breaker postpones a saga step without
spending an attempt, and failing compensations open the breaker like failing actions."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from test_saga import booking, register

from runtime import Engine
from runtime.core.clock import from_db
from runtime.execution.saga import COMPENSATION_JOB
from runtime.store import schema


def trip(retry: dict[str, Any], breaker: str | None = None) -> dict[str, Any]:
    """The booking saga with `retry` for every step (and its compensation), except the car:
    it fails twice, 5 s apart, then for good (time to open a breaker before the saga)."""
    document = booking(retry)
    states = {s["id"]: s for s in document["states"]}
    states["car"]["retry"] = {"max_attempts": 2, "initial_s": 5, "jitter": 0}
    if breaker:
        states["hotel"]["breaker"] = breaker
    return document


def compensation_jobs(engine: Engine) -> list[Any]:
    j = schema.jobs
    with engine.store.read() as conn:
        return list(conn.execute(select(j).where(
            j.c.kind == COMPENSATION_JOB, j.c.state == schema.JOB_READY)))


@pytest.mark.parametrize("breaker", [None, "hotel-desk"])
def test_an_open_breaker_postpones_a_compensation_without_spending_an_attempt(
        engine, clock, breaker):
    """Group: the state's `breaker` when it has one, else the compensation's own name."""
    engine.publish(trip({"max_attempts": 2, "initial_s": 5, "jitter": 0}, breaker))
    group = breaker or "cancel_hotel"
    engine.breakers.open_s = 30
    ran: list[str] = []
    register(engine, ran)
    iid = engine.start("booking", {"fail_at": "car"})
    engine.run_until_idle()  # flight and hotel booked, the car's first attempt failed
    for _ in range(engine.breakers.failure_threshold):
        engine.breakers.record(group, False)  # now the hotel desk is down: breaker open
    clock.advance(5)  # the car fails for good: the saga begins
    engine.run_until_idle()
    assert ran == []  # hotel first (newest first): not called while its breaker is open
    [job] = compensation_jobs(engine)
    reopens = engine.breakers.state(group).open_until
    assert (job.attempt, from_db(job.run_at)) == (0, reopens)  # no attempt spent
    assert not [e for e in engine.history(iid) if e.type == "action_failed"
                and e.data.get("compensation")]
    clock.advance((reopens - clock.now()).total_seconds() - 1)
    engine.run_until_idle()
    assert ran == []
    clock.advance(1)  # half-open: the compensation is the trial, with its first attempt
    engine.run_until_idle()
    assert ran == ["cancel_hotel", "cancel_flight"]
    done = [(e.data["state"], e.data["attempt"]) for e in engine.history(iid)
            if e.type == "compensation_done"]
    assert done == [("hotel", 1), ("flight", 1)]
    assert engine.breakers.state(group).state == "closed"
    assert engine.verify_audit().ok


def test_failing_compensations_open_the_breaker_and_then_wait_for_it(engine, clock):
    engine.publish(trip({"max_attempts": 5, "initial_s": 1, "multiplier": 1, "jitter": 0}))
    engine.breakers.failure_threshold, engine.breakers.open_s = 2, 30
    ran: list[str] = []
    broken = {"hotel"}
    register(engine, ran, broken=broken)
    iid = engine.start("booking", {"fail_at": "car"})
    engine.run_until_idle()
    clock.advance(5)  # the car fails for good: the saga begins
    engine.run_until_idle()
    clock.advance(1)
    engine.run_until_idle()
    assert ran == ["cancel_hotel", "cancel_hotel"]
    state = engine.breakers.state("cancel_hotel")
    assert (state.state, state.failures) == ("open", 2)
    for _ in range(10):  # retries fall due, but nothing calls the hotel desk while open
        clock.advance(1)
        engine.run_until_idle()
    assert len(ran) == 2
    broken.clear()
    clock.advance(20)  # 30 s after opening: one trial, with the third attempt (none spent)
    engine.run_until_idle()
    assert ran == ["cancel_hotel"] * 3 + ["cancel_flight"]
    failed = [e.data["attempt"] for e in engine.history(iid)
              if e.type == "action_failed" and e.data.get("compensation")]
    done = [(e.data["state"], e.data["attempt"]) for e in engine.history(iid)
            if e.type == "compensation_done"]
    assert (failed, done) == ([1, 2], [("hotel", 3), ("flight", 1)])
    assert engine.breakers.state("cancel_hotel").state == "closed"
    assert engine.get(iid).status == "failed" and engine.verify_audit().ok
