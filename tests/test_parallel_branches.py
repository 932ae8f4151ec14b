"""Fork and join on a real store (SQLite and PostgreSQL): branches run side by side, events
find their branch, tasks, timers, retries, compensations, operators, time travel, the
dashboards and the inbox all see several active states."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from parallel_processes import bookings, many_waits, nested, shipping

from runtime import Engine, ManualClock, Runner
from runtime.analytics import queries
from runtime.core import step as steps
from runtime.core.errors import EventRefused
from runtime.core.instance_path import path_at
from runtime.operations.acts import OperationInvalid, perform
from runtime.operations.explain import explain
from runtime.people.tasks import Caller

APPROVER = Caller("paula", frozenset({"approver"}))


def _types(engine: Engine, iid: str) -> list[str]:
    return [e.type for e in engine.history(iid)]


def test_both_branches_run_and_the_join_waits_for_the_slower(engine: Engine) -> None:
    packed: list[str] = []
    engine.action("pack")(lambda ctx: packed.append(ctx.instance_id) or {"packed": True})
    engine.action("ship")(lambda ctx: {})
    engine.publish(shipping())
    iid = engine.start("shipping", {})
    first = engine.get(iid)
    assert (first.state, sorted(first.active_states)) == ("split", ["pack", "payment"])
    assert engine.accepted_events(iid) == ["paid"]
    engine.run_until_idle()
    waiting = engine.get(iid)  # packing is done and waits at the join; the payment is not
    assert (waiting.state, waiting.active_states, waiting.status) == ("split", ["payment"],
                                                                        "running")
    engine.send(iid, "paid")
    engine.run_until_idle()
    done = engine.get(iid)
    assert (done.state, done.status, done.active_states) == ("shipped", "completed", ["shipped"])
    assert packed == [iid] and done.variables["packed"] is True
    log = _types(engine, iid)
    assert log.count("branches_started") == log.count("branches_joined") == 1
    assert engine.verify_audit().ok


def test_an_event_goes_to_the_branch_waiting_for_it_and_others_are_refused(
        engine: Engine) -> None:
    engine.publish(many_waits(3))
    iid = engine.start("waits-3", {})
    assert sorted(engine.accepted_events(iid)) == ["e0", "e1", "e2"]
    after = engine.send(iid, "e1")
    assert sorted(after.active_states) == ["w0", "w2"]
    with pytest.raises(EventRefused) as refused:
        engine.send(iid, "e1")  # its branch has already arrived at the join
    assert "'w0', 'w2'" in refused.value.message and "e0, e2" in refused.value.message
    engine.send(iid, "e2")
    assert engine.send(iid, "e0").status == "completed"


def test_a_timeout_fires_in_its_own_branch_only(engine: Engine, clock: ManualClock) -> None:
    engine.action("pack")(lambda ctx: {})
    engine.action("ship")(lambda ctx: {})
    engine.publish(shipping())
    iid = engine.start("shipping", {})
    engine.run_until_idle()
    clock.advance(3601)
    engine.run_until_idle()
    inst = engine.get(iid)
    assert inst.status == "completed"
    timeouts = [e.data for e in engine.history(iid) if e.type == "transition"
                and e.data.get("event") == "timeout"]
    assert timeouts == [{"from": "payment", "to": "merge", "branch": "split.1",
                         "event": "timeout", "arrived": True}]


def test_nested_forks_with_a_human_task_and_a_timer(engine: Engine, clock: ManualClock
                                                     ) -> None:
    engine.action("check")(lambda ctx: {})
    engine.publish(nested())
    iid = engine.start("nested", {})
    assert sorted(engine.get(iid).active_states) == ["approve", "check", "cool_off"]
    engine.run_until_idle()
    assert sorted(engine.get(iid).active_states) == ["approve", "cool_off"]
    task = engine.tasks.list(APPROVER, state="open").items[0]
    assert (task.instance_id, task.human_state) == (iid, "approve")
    engine.tasks.claim(task.id, APPROVER)
    engine.tasks.complete(task.id, APPROVER, "approve", {})
    assert engine.get(iid).active_states == ["cool_off"]
    clock.advance(61)
    engine.run_until_idle()
    inst = engine.get(iid)
    assert (inst.state, inst.status) == ("done", "completed")
    joined = [e.data for e in engine.history(iid) if e.type == "branches_joined"]
    assert [(j["join"], j["parent"]) for j in joined] == [("inner_join", "outer.1"),
                                                          ("outer_join", "")]


def test_compensations_run_newest_first_across_branches(engine: Engine) -> None:
    ran: list[str] = []
    engine.action("book_flight")(lambda ctx: ran.append("flight") or {})
    engine.action("book_hotel")(lambda ctx: ran.append("hotel") or {})
    engine.action("cancel_flight")(lambda ctx: ran.append("cancel_flight") or {})
    engine.action("cancel_hotel")(lambda ctx: ran.append("cancel_hotel") or {})

    def charge(ctx: Any) -> dict[str, Any]:
        raise RuntimeError("card declined")

    engine.action("charge")(charge)
    engine.publish(bookings())
    iid = engine.start("trip", {})
    engine.run_until_idle()
    booked = [name for name in ran if not name.startswith("cancel")]
    assert sorted(booked) == ["flight", "hotel"]
    assert ran[2:] == [f"cancel_{name}" for name in reversed(booked)]
    assert engine.get(iid).status == "failed"


def test_a_failed_branch_is_an_incident_and_retry_reenters_that_branch(engine: Engine) -> None:
    attempts: list[int] = []

    def pack(ctx: Any) -> dict[str, Any]:
        attempts.append(ctx.attempt)
        if len(attempts) == 1:
            raise RuntimeError("label printer jammed")
        return {}

    engine.action("pack")(pack)
    engine.action("ship")(lambda ctx: {})
    doc = shipping()
    doc["transitions"] = [t for t in doc["transitions"] if t.get("on") != "error"
                          or t["from"] != "pack"]
    engine.publish(doc)
    iid = engine.start("shipping", {})
    engine.run_until_idle()
    assert engine.get(iid).status == "incident"
    incident = next(e.data for e in engine.history(iid) if e.type == "incident")
    assert (incident["branch"], incident["state"]) == ("split.0", "pack")
    after = perform(engine, iid, "retry", "printer fixed", actor="olga")
    assert after.status == "running" and sorted(after.active_states) == ["pack", "payment"]
    engine.run_until_idle()
    engine.send(iid, "paid")
    engine.run_until_idle()
    assert engine.get(iid).status == "completed" and len(attempts) == 2


def test_an_operator_moves_one_branch_named_by_its_state(engine: Engine) -> None:
    engine.publish(many_waits(2))
    iid = engine.start("waits-2", {})
    with pytest.raises(OperationInvalid) as unnamed:
        perform(engine, iid, "move", "skip", to="merge")
    assert "w0, w1" in unnamed.value.message
    moved = perform(engine, iid, "move", "customer called", to="merge", **{"from": "w0"})
    assert moved.active_states == ["w1"]
    assert engine.send(iid, "e1").status == "completed"


def test_migration_maps_the_state_of_every_branch(engine: Engine) -> None:
    engine.publish(many_waits(2))
    iid = engine.start("waits-2", {})
    renamed = many_waits(2)
    renamed["states"][4]["id"] = "wait_a"
    for t in renamed["transitions"]:
        t.update({k: "wait_a" for k in ("from", "to") if t[k] == "w0"})
    renamed["transitions"] = [{**t, "on": "ea"} if t.get("on") == "e0" else t
                              for t in renamed["transitions"]]
    version = engine.publish(renamed)
    with pytest.raises(OperationInvalid):
        perform(engine, iid, "migrate", "v2", version=version)
    after = perform(engine, iid, "migrate", "v2", version=version, mapping={"w0": "wait_a"})
    assert (after.version, sorted(after.active_states)) == (version, ["w1", "wait_a"])
    engine.send(iid, "ea")
    assert engine.send(iid, "e1").status == "completed"


def test_time_travel_and_explain_show_every_branch(engine: Engine) -> None:
    engine.action("pack")(lambda ctx: {})
    engine.action("ship")(lambda ctx: {})
    engine.publish(shipping())
    iid = engine.start("shipping", {})
    why = explain(engine, iid)
    kinds = {w.kind for w in why.waits}
    assert {"event", "job"} <= kinds  # the payment event in one branch, the packing job
    engine.run_until_idle()
    engine.send(iid, "paid")
    engine.run_until_idle()
    events = engine.history(iid)
    forked = next(e.seq for e in events if e.type == "timer_set")
    view = path_at(shipping(), events, forked)
    assert (view.state, sorted(view.active)) == ("split", ["pack", "payment"])
    assert path_at(shipping(), events).active == ["shipped"]
    assert steps.replay(iid, [(e.seq, e.type, e.data) for e in events]).status == "completed"


def test_the_dashboards_time_each_branch_state(engine: Engine, clock: ManualClock) -> None:
    engine.action("pack")(lambda ctx: {})
    engine.action("ship")(lambda ctx: {})
    engine.publish(shipping())
    iid = engine.start("shipping", {})
    engine.run_until_idle()
    clock.advance(600)
    engine.send(iid, "paid")
    engine.run_until_idle()
    with engine.store.read() as conn:
        board = queries.dashboard(conn, "shipping")
    times = {r["state"]: r for r in board["time_in_state"]}
    assert times["payment"]["mean_s"] == pytest.approx(600, abs=1)
    assert times["split"]["mean_s"] == pytest.approx(600, abs=1)  # the parallel section
    counts = {r["state"]: (r["entered"], r["exited"]) for r in board["states"]}
    assert counts["pack"] == counts["payment"] == (1, 1)
    assert counts["merge"] == (3, 3)  # two branches arrive, the instance leaves once
    flows = {(r["from"], r["to"]) for r in board["transitions"]}
    assert {("split", "pack"), ("split", "payment"), ("pack", "merge"),
            ("split", "merge"), ("merge", "ship")} <= flows


def test_a_runner_works_both_branches_at_once(engine: Engine) -> None:
    both = threading.Barrier(2, timeout=10)

    def side(ctx: Any) -> dict[str, Any]:
        both.wait()  # returns only when the other branch's action runs at the same time
        return {}

    engine.action("book_flight")(side)
    engine.action("book_hotel")(side)
    engine.action("charge")(lambda ctx: {})
    engine.publish(bookings())
    runner = Runner(engine, threads=4).start()
    try:
        iids = [engine.start("trip", {}) for _ in range(5)]
        for iid in iids:
            _until(lambda iid=iid: engine.get(iid).status == "completed")
    finally:
        runner.stop()
    for iid in iids:
        assert _types(engine, iid).count("action_succeeded") == 3


def _until(condition: Any, timeout_s: float = 20.0) -> None:
    import time

    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


CHILD = {
    "schema": "statewright/v1", "key": "courier",
    "states": [{"id": "booked", "type": "start"}, {"id": "on_road", "type": "wait"},
               {"id": "delivered", "type": "end"}],
    "transitions": [{"from": "booked", "to": "on_road"},
                    {"from": "on_road", "to": "delivered", "on": "arrive"}],
}


def test_a_subprocess_in_a_branch_returns_to_its_branch_and_cancel_reaches_it(
        engine: Engine) -> None:
    engine.publish(CHILD)
    doc = many_waits(1)
    doc["key"] = "with-courier"
    doc["states"].append({"id": "deliver", "type": "subprocess", "definition": "courier"})
    doc["transitions"] += [{"from": "split", "to": "deliver"},
                           {"from": "deliver", "to": "merge", "on": "done"},
                           {"from": "deliver", "to": "merge", "on": "error"}]
    engine.publish(doc)
    first, second = engine.start("with-courier", {}), engine.start("with-courier", {})
    engine.run_until_idle()
    children = {i.parent_id: i for i in engine.list_instances(definition="courier").items}
    assert sorted(engine.get(first).active_states) == ["deliver", "w0"]
    engine.send(children[first].id, "arrive")  # the child ends: its branch arrives
    assert engine.get(first).active_states == ["w0"]
    assert engine.send(first, "e0").status == "completed"
    perform(engine, second, "cancel", "order withdrawn")
    assert engine.get(children[second].id).status == "cancelled"
