"""Parallel branches in the pure step: whatever order the branches finish in, the instance
completes once, every branch arrives exactly once, and the projection equals a replay of
the events; the token simulation offers and takes each branch's choices."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from parallel_processes import many_waits, shipping

from runtime.core import step as steps
from runtime.core.errors import EventRefused
from runtime.modelling.simulation import Simulation, aimed
from shared.definition import Definition

NOW = datetime(2026, 12, 5, tzinfo=UTC)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_any_order_of_branch_events_completes_once(data: st.DataObject) -> None:
    count = data.draw(st.integers(2, 6), "branches")
    permutation = data.draw(st.permutations(range(count)), "order")
    strays = data.draw(st.lists(st.integers(0, count - 1), max_size=4), "strays")
    definition = Definition.model_validate(many_waits(count))
    snap = steps.Snapshot(id="i", definition=definition.key, version=1)
    result = steps.step(definition, snap, steps.Start({}), NOW)
    log = list(result.events)
    snap = result.snapshot
    arrived: list[str] = []
    for position, n in enumerate(permutation):
        assert sorted(snap.active_states) == sorted(f"w{k}" for k in permutation[position:])
        for stray in strays:  # an event whose branch has arrived already changes nothing
            if stray not in permutation[position:]:
                try:
                    steps.step(definition, snap, steps.Deliver(f"e{stray}"), NOW)
                except EventRefused:
                    pass
                else:
                    raise AssertionError(f"e{stray} was taken twice")
        result = steps.step(definition, snap, steps.Deliver(f"e{n}"), NOW)
        log += result.events
        snap = result.snapshot
        arrived += [e.data["branch"] for e in result.events if e.data.get("arrived")]
    assert (snap.status, snap.state, snap.branches) == ("completed", "finished", ())
    assert sorted(arrived) == sorted(f"split.{k}" for k in range(count))
    assert [e.type for e in log].count("branches_joined") == 1
    replayed = steps.replay("i", [(seq, e.type, e.data) for seq, e in enumerate(log, 1)])
    assert replayed == snap


def test_a_simulation_offers_each_branch_its_own_choices_and_aims_by_state() -> None:
    definition = Definition.model_validate(shipping())
    sim = Simulation.start(definition, {}, NOW)
    offered = {(c.state, c.event) for c in sim.choices()}
    assert offered == {("pack", "done"), ("pack", "error"), ("payment", "paid"),
                       ("payment", "timeout")}
    sim.send("timeout", state="payment")  # the wait's timer fires at its own due time
    assert sim.snapshot.active_states == ["pack"] and sim.now > NOW
    with pytest.raises(EventRefused, match="'paid' cannot happen"):
        sim.send("paid")
    event, state = aimed("pack:done")
    sim.send(event, state=state)
    assert [c.event for c in sim.choices()] == ["done", "error"]  # now at ship, alone
    assert sim.to_json()["active_states"] == ["ship"]


def test_the_simulate_command_takes_state_event_choices(tmp_path) -> None:
    source = tmp_path / "shipping.json"
    source.write_text(json.dumps(shipping()))
    done = subprocess.run(
        [sys.executable, "-m", "runtime.cli", "simulate", str(source), "--events",
         "payment:paid,pack:done,done"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "status: completed in shipped" in done.stdout
