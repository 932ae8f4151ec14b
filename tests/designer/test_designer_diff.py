"""The version diff: pure comparison of two documents, and the page that draws it."""

from __future__ import annotations

import copy

import pytest
from nicegui import ElementFilter
from nicegui.testing import User

from designer.components.canvas import ProcessCanvas
from designer.diff import diff_documents, transition_keys
from designer.draft import new_document
from designer.pages.version_diff import default_pair
from runtime import Engine


def version_one() -> dict:
    document = new_document("loan-approval", "Loan approval")
    document["states"] += [
        {"id": "review", "type": "human", "role": "clerk"},
        {"id": "approved", "type": "end"},
        {"id": "rejected", "type": "end", "outcome": "failed"},
    ]
    document["transitions"] += [
        {"from": "start", "to": "review"},
        {"from": "review", "to": "approved", "on": "approve"},
        {"from": "review", "to": "rejected", "on": "reject"},
    ]
    return document


def version_two() -> dict:
    document = copy.deepcopy(version_one())
    document["states"][1]["role"] = "manager"
    document["states"] = [s for s in document["states"] if s["id"] != "rejected"]
    document["states"].append({"id": "declined", "type": "end", "outcome": "failed"})
    document["transitions"][1]["when"] = "amount < 1000"
    document["transitions"][2]["to"] = "declined"
    document["layout"] = {"approved": {"x": 999, "y": 999}}
    return document


def test_every_kind_of_change_is_told_apart() -> None:
    diff = diff_documents(version_one(), version_two())
    assert diff.states == {
        "start": "unchanged",
        "review": "changed",
        "approved": "unchanged",
        "declined": "added",
        "rejected": "removed",
    }
    assert diff.transitions == {
        "start->review#0": "unchanged",
        "review->approved#0": "changed",
        "review->declined#0": "added",
        "review->rejected#0": "removed",
    }
    changed_state = next(c for c in diff.changes if c.ref == "review")
    assert changed_state.detail == "role"
    changed_transition = next(c for c in diff.changes if c.ref == "review → approved")
    assert changed_transition.detail == "when"


def test_the_union_graph_holds_removed_states_and_transitions() -> None:
    diff = diff_documents(version_one(), version_two())
    assert {n["id"] for n in diff.nodes} == {"start", "review", "approved", "declined", "rejected"}
    assert {e["id"] for e in diff.edges} == set(diff.transitions)
    assert {(e["source"], e["target"]) for e in diff.edges} >= {("review", "rejected")}


def test_identical_documents_differ_in_nothing_even_when_moved() -> None:
    moved = version_one()
    moved["layout"] = {"start": {"x": 500, "y": 500}}
    diff = diff_documents(version_one(), moved)
    assert diff.changes == []
    assert set(diff.states.values()) == set(diff.transitions.values()) == {"unchanged"}


def test_transitions_with_ids_match_by_id_and_parallel_ones_by_order() -> None:
    transitions = [
        {"from": "a", "to": "b"},
        {"from": "a", "to": "b", "on": "x"},
        {"id": "named", "from": "a", "to": "b"},
    ]
    assert transition_keys(transitions) == ["a->b#0", "a->b#1", "named"]


@pytest.mark.anyio
async def test_the_diff_page_colours_the_canvas_and_lists_changes(
    user: User, engine: Engine
) -> None:
    engine.publish(version_one(), actor="ana")
    engine.publish(version_two(), actor="ana")
    await user.open("/processes/loan-approval/versions/2")
    await user.should_see(marker="compare-previous")
    user.find(marker="export-version").click()
    assert (await user.download.next()).json()["states"] == version_two()["states"]
    await user.open("/processes/loan-approval/diff?a=1&b=2")
    await user.should_see("v1 → v2")
    await user.should_see("removed (dashed)")
    canvas = next(iter(user.find(kind=ProcessCanvas).elements))
    assert canvas.props["diff"]["states"]["rejected"] == "removed"
    with user.client:
        lines = [e.text for e in ElementFilter(marker="change")]
    assert "changed transition review → approved: when" in lines
    assert "added state declined" in lines


@pytest.mark.anyio
async def test_a_diff_of_missing_versions_says_so(user: User, engine: Engine) -> None:
    engine.publish(version_one(), actor="ana")
    await user.open("/processes/loan-approval/diff?a=1&b=7")
    await user.should_see("has no published versions")


def test_changes_name_states_with_their_ids_beside() -> None:
    old, new = version_one(), version_two()
    for document in (old, new):
        for state in document["states"]:
            if state["id"] == "review":
                state["name"] = "Clerk review"
    new["states"][-1]["name"] = "Declined"
    lines = [c.text() for c in diff_documents(old, new).changes]
    assert "changed state Clerk review (review): role" in lines
    assert "added state Declined (declined)" in lines
    assert "changed transition Clerk review (review) → approved: when" in lines


@pytest.mark.parametrize(("numbers", "asked", "pair"), [
    ([1, 2, 3], ("", ""), ("2", "3")), ([1, 2, 3], ("", "2"), ("1", "2")),
    ([1], ("", ""), ("1", "1")), ([1, 2], ("1", "2"), ("1", "2")), ([], ("", ""), ("", "")),
])
def test_missing_versions_default_to_the_latest_against_the_one_before(
    numbers: list[int], asked: tuple[str, str], pair: tuple[str, str]
) -> None:
    assert default_pair(numbers, *asked) == pair


@pytest.mark.anyio
async def test_the_version_pickers_load_the_pair_chosen(user: User, engine: Engine) -> None:
    engine.publish(version_one(), actor="ana")
    engine.publish(version_two(), actor="ana")
    third = version_two()
    third["states"][1]["role"] = "director"
    engine.publish(third, actor="ana")
    await user.open("/processes/loan-approval/diff")
    await user.should_see("v2 → v3")
    picker = next(iter(user.find(marker="diff-from").elements))
    with user.client:
        picker.value = 1
    await user.should_see("v1 → v3")
