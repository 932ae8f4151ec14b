"""Sagas: a failed end compensates exactly the completed task states, newest first; a
compensation that finally fails leaves an incident; a SIGKILL mid-saga neither repeats nor
skips a compensation."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from runtime import Engine, ManualClock

STEPS = ["flight", "hotel", "car", "insurance", "payment"]


def booking(retry: dict[str, Any] | None = None) -> dict[str, Any]:
    states: list[dict[str, Any]] = [{"id": "begin", "type": "start"}]
    transitions: list[dict[str, Any]] = [{"from": "begin", "to": STEPS[0]}]
    for i, name in enumerate(STEPS):
        states.append({"id": name, "type": "task", "action": f"book_{name}",
                       "compensation": f"cancel_{name}",
                       "retry": retry or {"max_attempts": 1}})
        target = STEPS[i + 1] if i + 1 < len(STEPS) else "booked"
        transitions += [{"from": name, "to": target, "on": "done"},
                        {"from": name, "to": "rolled_back", "on": "error"}]
    states += [{"id": "booked", "type": "end", "outcome": "completed"},
               {"id": "rolled_back", "type": "end", "outcome": "failed"}]
    return {"schema": "statewright/v1", "key": "booking",
            "variables": [{"name": "fail_at", "type": "string"}],
            "states": states, "transitions": transitions}


def register(engine: Engine, ran: list[str], broken: set[str] = frozenset()) -> None:
    for name in STEPS:
        def book(ctx: Any, name: str = name) -> dict[str, Any]:
            if ctx.variables.get("fail_at") == name:
                raise RuntimeError(f"{name} is fully booked")
            return {}

        def cancel(ctx: Any, name: str = name) -> dict[str, Any]:
            ran.append(f"cancel_{name}")
            if name in broken:
                raise ConnectionError(f"cannot cancel the {name}")
            return {}

        engine.action(f"book_{name}")(book)
        engine.action(f"cancel_{name}")(cancel)


@pytest.mark.parametrize("fail_at", range(len(STEPS)))
def test_a_failure_at_each_step_compensates_exactly_the_completed_steps_in_reverse(
        engine, fail_at):
    engine.publish(booking())
    ran: list[str] = []
    register(engine, ran)
    iid = engine.start("booking", {"fail_at": STEPS[fail_at]})
    engine.run_until_idle()
    completed = STEPS[:fail_at]
    assert ran == [f"cancel_{name}" for name in reversed(completed)]
    inst = engine.get(iid)
    assert (inst.state, inst.status) == ("rolled_back", "failed")
    log = [(e.type, e.data.get("state")) for e in engine.history(iid)
           if e.type.startswith("compensation_")]
    assert log == [(kind, name) for name in reversed(completed)
                   for kind in ("compensation_started", "compensation_done")]
    assert engine.verify_audit().ok


def test_a_completed_instance_is_not_compensated(engine):
    engine.publish(booking())
    ran: list[str] = []
    register(engine, ran)
    iid = engine.start("booking", {})
    engine.run_until_idle()
    assert engine.get(iid).status == "completed" and ran == []


def test_a_compensation_that_finally_fails_is_an_incident(engine, clock):
    engine.publish(booking({"max_attempts": 2, "initial_s": 5, "jitter": 0}))
    ran: list[str] = []
    register(engine, ran, broken={"hotel"})
    iid = engine.start("booking", {"fail_at": "car"})
    engine.run_until_idle()
    for _ in range(3):
        clock.advance(5)
        engine.run_until_idle()
    assert ran == ["cancel_hotel", "cancel_hotel"]  # the flight is not skipped over silently
    inst = engine.get(iid)
    assert inst.status == "incident"
    history = engine.history(iid)
    assert history[-2].type == "compensation_failed" and history[-2].data["attempt"] == 2
    assert "cancel_hotel" in history[-1].data["reason"]
    listed = engine.list_instances(status="incident").items
    assert [i.id for i in listed] == [iid]
    assert engine.verify_audit().ok


CHILD = """
import sys, time
from runtime import Engine
sys.path.insert(0, {tests!r})
from test_saga import STEPS, booking

engine = Engine({url!r}, lease_s=1)
engine.publish(booking())
def book(ctx):
    if ctx.variables.get("fail_at") == ctx.action[5:]:
        raise RuntimeError("no")
    return {{}}
def cancel(ctx):
    with open({marks!r}, "a") as f:
        f.write(ctx.action + "\\n")
    if ctx.action == "cancel_hotel":
        time.sleep(60)  # killed here
    return {{}}
for name in STEPS:
    engine.action("book_" + name)(book)
    engine.action("cancel_" + name)(cancel)
print(engine.start("booking", {{"fail_at": "insurance"}}), flush=True)
engine.run_until_idle(timeout_s=120)
"""


def test_sigkill_during_compensation_neither_repeats_nor_skips_one(db_url, tmp_path: Path):
    marks = tmp_path / "marks.txt"
    script = CHILD.format(tests=str(Path(__file__).parent), url=db_url, marks=str(marks))
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                             cwd=Path(__file__).parent.parent)
    iid = child.stdout.readline().strip()
    deadline = time.monotonic() + 60
    while "cancel_hotel" not in (marks.read_text() if marks.exists() else ""):
        assert time.monotonic() < deadline and child.poll() is None, "the child never got there"
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    clock = ManualClock()
    clock.set(clock.now().replace(year=2100))  # every lease the child held has run out
    with Engine(db_url, clock=clock) as engine:
        ran: list[str] = []
        register(engine, ran)
        engine.run_until_idle()
        done = [e.data["state"] for e in engine.history(iid) if e.type == "compensation_done"]
        assert done == ["car", "hotel", "flight"]
        assert marks.read_text().split() == ["cancel_car", "cancel_hotel"]
        assert ran == ["cancel_hotel", "cancel_flight"]  # the killed one again, then the rest
        assert engine.verify_audit().ok


def test_an_operator_rollback_compensates_everything_once(engine):
    from runtime.core.errors import EngineError
    from runtime.operations import perform

    engine.publish(booking())
    ran: list[str] = []
    register(engine, ran)
    iid = engine.start("booking", {})
    engine.run_until_idle()
    perform(engine, iid, "rollback", "trip called off", actor="olga")
    engine.run_until_idle()
    assert ran == [f"cancel_{name}" for name in reversed(STEPS)]
    request = next(e for e in engine.history(iid) if e.type == "rollback_requested")
    assert (request.actor, request.data["reason"]) == ("olga", "trip called off")
    with pytest.raises(EngineError) as refused:
        perform(engine, iid, "rollback", "again")
    assert refused.value.status == 409 and "left to undo" in refused.value.message
    assert engine.verify_audit().ok


def test_retry_after_a_failed_compensation_finishes_the_saga(engine, clock):
    from runtime.operations import perform

    engine.publish(booking())
    ran: list[str] = []
    broken = {"hotel"}
    register(engine, ran, broken=broken)
    iid = engine.start("booking", {"fail_at": "car"})
    engine.run_until_idle()
    assert engine.get(iid).status == "incident"
    broken.clear()
    assert perform(engine, iid, "retry", "hotel desk is back").status == "failed"
    engine.run_until_idle()
    assert ran == ["cancel_hotel", "cancel_hotel", "cancel_flight"]
    assert engine.get(iid).status == "failed" and engine.verify_audit().ok


def test_an_instance_being_rolled_back_cannot_be_moved(engine, clock):
    from runtime.core.errors import EngineError
    from runtime.operations import perform

    engine.publish(booking({"max_attempts": 2, "initial_s": 60, "jitter": 0}))
    broken = {"hotel"}
    register(engine, [], broken=broken)
    iid = engine.start("booking", {"fail_at": "car"})
    engine.run_until_idle()
    clock.advance(60)  # the car's second attempt fails too: the saga begins
    engine.run_until_idle()  # the hotel's compensation failed once and waits for its retry
    assert engine.get(iid).status == "failed"
    with pytest.raises(EngineError) as refused:
        perform(engine, iid, "move", "try the car again", to="car")
    assert refused.value.status == 409 and "rolled back" in refused.value.message
    broken.clear()
    clock.advance(60)
    engine.run_until_idle()
    assert perform(engine, iid, "move", "try the car again", to="car").state == "car"
