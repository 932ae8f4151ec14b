"""Migration between versions and operator moves: refused with the unmapped states, and
(property) any sequence of moves and migrations keeps the history verifiable with the
instance in a state of the version it is on."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime.core.errors import EngineError
from runtime.operations import perform


def second_version(loan: dict[str, Any]) -> dict[str, Any]:
    """Version 2 drops `wait_docs` and `cooldown`: review asks for docs by a plain wait."""
    doc = copy.deepcopy(loan)
    doc["states"] = [s for s in doc["states"] if s["id"] not in ("wait_docs", "cooldown")]
    doc["states"].append({"id": "docs", "type": "wait", "timeout_s": 60})
    doc["transitions"] = [t for t in doc["transitions"]
                          if "wait_docs" not in (t["from"], t["to"])
                          and "cooldown" not in (t["from"], t["to"])]
    doc["transitions"] += [{"from": "review", "to": "docs", "on": "request_docs"},
                           {"from": "docs", "to": "review", "on": "docs_received"},
                           {"from": "docs", "to": "rejected", "on": "timeout"}]
    return doc


@pytest.fixture
def two_versions(engine, loan_approval) -> Any:
    engine.publish(loan_approval)
    engine.publish(second_version(loan_approval))
    engine.action("credit_score")(lambda ctx: {"score": 700})
    return engine


def test_migrating_from_a_state_that_is_gone_needs_a_mapping(two_versions):
    engine = two_versions
    iid = engine.start("loan-approval", {"amount": 50_000}, version=1)
    engine.run_until_idle()
    engine.send(iid, "request_docs")
    with pytest.raises(EngineError) as refused:
        perform(engine, iid, "migrate", "new rules", version=2)
    assert refused.value.status == 422 and refused.value.details["unmapped"] == ["wait_docs"]
    assert engine.get(iid).version == 1  # nothing changed
    inst = perform(engine, iid, "migrate", "new rules", actor="olga", version=2,
                   mapping={"wait_docs": "docs"})
    assert (inst.version, inst.state) == (2, "docs")
    migrated = next(e for e in engine.history(iid) if e.type == "migrated")
    assert (migrated.actor, migrated.data["from_version"], migrated.data["to_version"]) == (
        "olga", 1, 2)
    assert engine.send(iid, "docs_received").state == "review"
    assert engine.verify_audit().ok


def test_a_state_that_still_exists_keeps_its_place_and_its_timer(two_versions, clock):
    engine = two_versions
    iid = engine.start("loan-approval", {"amount": 50_000}, version=1)
    engine.run_until_idle()
    inst = perform(engine, iid, "migrate", "new rules", version=2)
    assert (inst.version, inst.state) == (2, "review")
    assert engine.send(iid, "request_docs").state == "docs"  # version 2's transition
    with pytest.raises(EngineError) as bad:
        perform(engine, iid, "migrate", "back", version=7)
    assert bad.value.status == 404


MOVES = st.lists(st.one_of(
    st.tuples(st.just("move"), st.sampled_from(["score", "review", "wait_docs", "cooldown",
                                                 "docs", "approved", "rejected"])),
    st.tuples(st.just("migrate"), st.sampled_from([1, 2]))), min_size=1, max_size=6)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=MOVES)
def test_moves_and_migrations_keep_the_history_verifiable(two_versions, operations):
    engine = two_versions
    iid = engine.start("loan-approval", {"amount": 50_000}, version=1)
    engine.run_until_idle()
    for kind, arg in operations:
        inst = engine.get(iid)
        try:
            if kind == "move":
                perform(engine, iid, "move", "property", to=arg)
            else:
                states = {s.id for s in engine.definition("loan-approval", arg).states}
                mapping = {} if inst.state in states else {inst.state: "review"}
                perform(engine, iid, "migrate", "property", version=arg, mapping=mapping)
        except EngineError as exc:
            assert exc.status in (404, 409, 422)
        engine.run_until_idle()
        inst = engine.get(iid)
        assert inst.state in {s.id for s in engine.definition("loan-approval",
                                                              inst.version).states}
    assert engine.verify_audit().ok
