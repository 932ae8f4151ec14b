"""The layered auto-layout behind the Arrange button and imports."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from designer.layout import COLUMN_PX, arrange, auto_layout

BOX_W, BOX_H = 180, 56


def process(edges: list[tuple[str, str]], extra: tuple[str, ...] = ()) -> dict:
    names = ["start", *sorted({n for e in edges for n in e} - {"start"}), *extra]
    return {
        "key": "p",
        "states": [{"id": n, "type": "start" if n == "start" else "task"} for n in names],
        "transitions": [{"from": a, "to": b} for a, b in edges],
    }


def overlapping(positions: dict[str, dict[str, float]]) -> list[tuple[str, str]]:
    spots = list(positions.items())
    return [
        (a, b)
        for i, (a, pa) in enumerate(spots)
        for b, pb in spots[i + 1 :]
        if abs(pa["x"] - pb["x"]) < BOX_W and abs(pa["y"] - pb["y"]) < BOX_H
    ]


def random_dag(seed: int, size: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    edges = [("start", "s1")]
    for i in range(2, size):
        for _ in range(rng.randint(1, 2)):
            edges.append((f"s{rng.randint(1, i - 1)}", f"s{i}"))
    return edges


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(3, 40))
def test_no_two_states_overlap_and_dag_edges_run_left_to_right(seed: int, size: int) -> None:
    document = process(random_dag(seed, size))
    positions = arrange(document)
    assert set(positions) == {s["id"] for s in document["states"]}
    assert overlapping(positions) == []
    for transition in document["transitions"]:
        assert positions[transition["from"]]["x"] < positions[transition["to"]]["x"]


def test_loops_are_laid_out_with_every_state_placed() -> None:
    document = process([("start", "a"), ("a", "b"), ("b", "c"), ("c", "a"), ("c", "done")])
    positions = arrange(document)
    columns = {state: spot["x"] // COLUMN_PX for state, spot in positions.items()}
    assert columns["start"] < columns["a"] < columns["b"] < columns["c"] < columns["done"]
    assert overlapping(positions) == []


def test_barycenter_ordering_removes_an_avoidable_crossing() -> None:
    # start fans out to a, b; a feeds y and b feeds x: x and y should swap to follow a and b.
    document = process([("start", "a"), ("start", "b"), ("b", "x"), ("a", "y")])
    document["states"] = sorted(document["states"], key=lambda s: s["id"] != "start")
    positions = arrange(document)
    assert (positions["a"]["y"] < positions["b"]["y"]) == (
        positions["y"]["y"] < positions["x"]["y"]
    )


def test_states_the_start_cannot_reach_come_after_the_rest() -> None:
    document = process([("start", "a")], extra=("orphan",))
    positions = arrange(document)
    assert positions["orphan"]["x"] > positions["a"]["x"]


def test_a_document_without_layout_is_arranged_and_a_stored_layout_is_kept() -> None:
    document = process([("start", "a"), ("a", "b")])
    assert auto_layout(document) == arrange(document)
    document["layout"] = {"a": {"x": 900, "y": 900}}
    assert auto_layout(document)["a"] == {"x": 900, "y": 900}
