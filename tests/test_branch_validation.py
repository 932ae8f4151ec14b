"""Validation of parallel branches: `unbalanced_fork`, `join_without_fork`,
`ambiguous_branch_event`, and the exit rules of forks and joins."""

from __future__ import annotations

from typing import Any

from parallel_processes import bookings, many_waits, nested, shipping

from shared.validation import validate


def _codes(document: dict[str, Any]) -> list[str]:
    return [f.code for f in validate(document).findings if f.severity == "error"]


def test_balanced_and_nested_forks_are_clean() -> None:
    for document in (shipping(), many_waits(4), nested(), bookings()):
        assert _codes(document) == [], document["key"]


def test_a_branch_reaching_an_end_without_its_join_is_unbalanced() -> None:
    doc = shipping()
    doc["transitions"].append({"from": "pack", "to": "stuck", "on": "error"})
    found = [f for f in validate(doc).findings if f.code == "unbalanced_fork"]
    assert len(found) == 1
    assert "branch 1 of fork 'split' (through 'pack')" in found[0].message
    assert "end 'stuck'" in found[0].message and "join 'merge'" in found[0].message
    assert set(found[0].states) == {"split", "stuck"}


def test_a_branch_reaching_another_forks_join_is_unbalanced() -> None:
    doc = nested()
    # the timer branch of the inner fork skips its own join and goes to the outer one
    doc["transitions"] = [t for t in doc["transitions"] if t["from"] != "cool_off"]
    doc["transitions"].append({"from": "cool_off", "to": "outer_join", "on": "elapsed"})
    messages = [f.message for f in validate(doc).findings if f.code == "unbalanced_fork"]
    assert any("fork 'inner'" in m and "'outer_join'" in m for m in messages), messages


def test_a_fork_with_one_branch_is_unbalanced() -> None:
    doc = shipping()
    doc["transitions"] = [t for t in doc["transitions"] if t["to"] != "payment"]
    doc["states"] = [s for s in doc["states"] if s["id"] != "payment"]
    assert "unbalanced_fork" in _codes(doc)


def test_a_join_without_a_fork_is_reported() -> None:
    doc = {"schema": "statewright/v1", "key": "lonely",
           "states": [{"id": "s", "type": "start"}, {"id": "j", "type": "join"},
                      {"id": "e", "type": "end"}],
           "transitions": [{"from": "s", "to": "j"}, {"from": "j", "to": "e"}]}
    found = [f for f in validate(doc).findings if f.code == "join_without_fork"]
    assert [f.states for f in found] == [("j",)]


def test_two_branches_waiting_for_one_event_are_ambiguous() -> None:
    doc = many_waits(3)
    for t in doc["transitions"]:
        if t.get("on") == "e2":
            t["on"] = "e0"
    found = [f for f in validate(doc).findings if f.code == "ambiguous_branch_event"]
    assert len(found) == 1
    assert "'e0'" in found[0].message and set(found[0].states) == {"w0", "w2"}


def test_fork_and_join_transitions_take_no_event_or_guard_and_a_join_has_one_exit() -> None:
    doc = shipping()
    doc["transitions"][1]["on"] = "go"
    doc["transitions"][2]["when"] = "true"
    doc["transitions"].append({"from": "merge", "to": "stuck"})
    bad = [f.message for f in validate(doc).findings if f.code == "bad-exit"]
    assert any("fork 'split'" in m and "remove `on" in m for m in bad)
    assert any("fork 'split'" in m and "remove `when`" in m for m in bad)
    assert any("join 'merge' has 2 transitions" in m for m in bad)
    assert "ambiguous" not in _codes(shipping())  # a fork's unguarded exits are its branches
