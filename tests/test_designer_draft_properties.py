"""Whatever an analyst does on the canvas, the draft stays a document the validator can read:
transitions only name states that exist, layout only places states that exist."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from designer.draft import Draft, new_document
from shared.definition import STATE_TYPES
from shared.validation import validate

state_ids = st.sampled_from(["start", "task_1", "human_1", "end_1", "decision_1", "ghost"])
gestures = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(STATE_TYPES), st.integers(-500, 500)),
    st.tuples(st.just("connect"), state_ids, state_ids),
    st.tuples(st.just("delete_state"), state_ids),
    st.tuples(st.just("delete_transition"), st.integers(0, 6)),
    st.tuples(st.just("move"), state_ids, st.floats(-1e4, 1e4)),
    st.tuples(st.just("rename"), state_ids, st.sampled_from(["", "review", "1bad", "end_1"])),
)


def apply(draft: Draft, gesture: tuple) -> None:
    kind = gesture[0]
    if kind == "add":
        draft.add_state(gesture[1], gesture[2], gesture[2])
    elif kind == "connect":
        draft.connect(gesture[1], gesture[2])
    elif kind == "delete_state":
        draft.delete([gesture[1]], [])
    elif kind == "delete_transition":
        draft.delete([], [f"t{gesture[1]}"])
    elif kind == "move":
        draft.move([{"id": gesture[1], "x": gesture[2], "y": -gesture[2]}])
    elif kind == "rename" and draft.state(gesture[1]) is not None:
        draft.update_state(gesture[1], "id", gesture[2])


@settings(max_examples=150, deadline=None)
@given(st.lists(gestures, max_size=25))
def test_any_sequence_of_gestures_keeps_the_draft_consistent(sequence):
    draft = Draft(new_document("claims-intake"))
    for gesture in sequence:
        apply(draft, gesture)
    ids = [s["id"] for s in draft.states]
    assert len(ids) == len(set(ids))
    assert all(t["from"] in ids and t["to"] in ids for t in draft.transitions)
    assert set(draft.doc["layout"]) <= set(ids)
    assert {n["id"] for n in draft.canvas_nodes()} == set(ids)
    report = validate(draft.doc)
    assert all(f.severity in ("error", "warning") for f in report.findings)
