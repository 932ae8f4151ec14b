"""The designer's editing verbs and auto-layout, on plain documents (no UI)."""

from __future__ import annotations

from designer.draft import Draft, new_document, transition_label
from designer.layout import COLUMN_PX, ROUND_SHAPE_INDENT_PX, ROW_PX, auto_layout, free_spot
from designer.state_styles import STATE_STYLES, markdown_table
from shared.definition import STATE_TYPES
from shared.validation import validate


def order_draft() -> Draft:
    draft = Draft(new_document("purchase-order", "Purchase order"))
    draft.add_state("task", 200, 0)
    draft.add_state("end", 400, 0)
    draft.connect("start", "task_1")
    draft.connect("task_1", "end_1", "done")
    draft.connect("task_1", "end_1", "error")
    draft.update_state("task_1", "action", "reserve_stock")
    return draft


def test_a_new_process_holds_only_its_start_state():
    document = new_document("purchase-order", "Purchase order")
    assert [s["type"] for s in document["states"]] == ["start"]
    assert {f.code for f in validate(document).findings} == {"dead-end"}


def test_connections_take_the_chosen_event_and_a_decision_gets_its_default():
    draft = order_draft()
    draft.add_state("timer", 0, 200)
    draft.add_state("decision", 0, 300)
    draft.connect("timer_1", "end_1", "elapsed")
    draft.connect("decision_1", "end_1")
    draft.connect("decision_1", "task_1")
    events = [(t.get("on"), t.get("default", False)) for t in draft.transitions]
    assert events == [
        (None, False),
        ("done", False),
        ("error", False),
        ("elapsed", False),
        (None, True),
        (None, False),
    ]


def test_no_event_is_guessed_so_a_second_task_arrow_is_never_an_error_exit():
    draft = order_draft()
    draft.add_state("end", 400, 200)
    draft.connect("task_1", "end_2")
    assert "on" not in draft.transitions[-1]


def test_the_events_offered_fit_the_source_and_show_those_taken():
    draft = order_draft()
    for kind in ("wait", "wait", "human", "timer", "fork", "join", "decision", "subprocess"):
        draft.add_state(kind, 0, 0)
    assert draft.event_choices("task_1") == (["done", "error"], {"done", "error"})
    assert draft.event_choices("subprocess_1") == (["done", "error"], set())
    assert draft.event_choices("timer_1") == (["elapsed"], set())
    assert draft.event_choices("human_1") == (["submit"], set())
    assert draft.event_choices("wait_1") == (["message"], set())
    for source in ("start", "fork_1", "join_1", "decision_1", "end_1", "vanished"):
        assert draft.event_choices(source) is None
    draft.connect("wait_1", "end_1", "paid")
    draft.connect("wait_1", "task_1", "cancelled")
    draft.update_transition("t4", "when", "amount > 10")  # a guarded arrow takes nothing
    draft.update_state("wait_2", "timeout_s", 60)
    assert draft.event_choices("wait_1") == (["paid", "cancelled"], {"paid"})
    assert draft.event_choices("wait_2") == (["paid", "cancelled", "timeout"], set())
    draft.connect("human_1", "end_1", "approve")
    assert draft.event_choices("human_1") == (["approve"], {"approve"})


def test_a_drawn_order_process_validates_clean():
    assert validate(order_draft().doc).ok


def test_connecting_a_state_that_no_longer_exists_is_ignored():
    draft = order_draft()
    assert draft.connect("task_1", "vanished") is None
    assert len(draft.transitions) == 3


def test_deleting_a_state_takes_its_transitions_and_layout_along():
    draft = order_draft()
    draft.delete(["task_1"], [])
    assert [s["id"] for s in draft.states] == ["start", "end_1"]
    assert draft.transitions == []
    assert "task_1" not in draft.doc["layout"]


def test_transition_refs_are_resolved_before_anything_is_removed():
    draft = order_draft()
    draft.delete([], ["t0", "t2"])
    assert [(t["from"], t.get("on")) for t in draft.transitions] == [("task_1", "done")]


def test_renaming_a_state_follows_through_transitions_and_layout():
    draft = order_draft()
    assert draft.update_state("task_1", "id", "reserve") == "reserve"
    assert {t["from"] for t in draft.transitions} == {"start", "reserve"}
    assert "reserve" in draft.doc["layout"]
    assert validate(draft.doc).ok


def test_renaming_onto_an_existing_id_is_refused():
    draft = order_draft()
    assert draft.update_state("task_1", "id", "end_1") == "task_1"


def test_emptying_a_field_removes_it():
    draft = order_draft()
    draft.update_state("task_1", "action", "")
    assert "action" not in draft.state("task_1")
    assert "missing-action" in {f.code for f in validate(draft.doc).findings}


def test_moving_changes_layout_only():
    draft = order_draft()
    before = {k: v for k, v in draft.doc.items() if k != "layout"}
    draft.move([{"id": "task_1", "x": 260.4, "y": 40}, {"id": "ghost", "x": 1, "y": 1}])
    assert draft.doc["layout"]["task_1"] == {"x": 260, "y": 40}
    assert "ghost" not in draft.doc["layout"]
    assert {k: v for k, v in draft.doc.items() if k != "layout"} == before


def test_edge_labels_show_event_guard_and_default():
    assert (
        transition_label({"on": "approve", "when": "amount < 10000"}) == "approve [amount < 10000]"
    )
    assert transition_label({"default": True}) == "default"
    assert transition_label({"on": "done", "label": "Scored"}) == "Scored"


def test_auto_layout_places_unplaced_states_by_distance_from_start():
    document = order_draft().doc
    document["layout"] = {}
    positions = auto_layout(document)
    assert positions["start"] == {"x": ROUND_SHAPE_INDENT_PX, "y": 0}
    assert positions["task_1"] == {"x": COLUMN_PX, "y": 0}
    assert positions["end_1"] == {"x": 2 * COLUMN_PX + ROUND_SHAPE_INDENT_PX, "y": 0}


def test_states_the_start_cannot_reach_go_in_a_last_column():
    document = new_document("purchase-order")
    document["states"] += [{"id": "orphan", "type": "end"}, {"id": "stray", "type": "end"}]
    document["layout"] = {}
    positions = auto_layout(document)
    assert positions["orphan"] == {"x": COLUMN_PX + ROUND_SHAPE_INDENT_PX, "y": 0}
    assert positions["stray"] == {"x": COLUMN_PX + ROUND_SHAPE_INDENT_PX, "y": ROW_PX}


def test_a_clicked_palette_state_goes_below_the_others():
    assert free_spot(order_draft().doc) == {"x": 0, "y": ROW_PX}


def test_a_state_added_by_click_lands_beside_the_selected_one():
    doc = {"states": [{"id": "a", "type": "task"}, {"id": "b", "type": "task"},
                      {"id": "c", "type": "task"}],
           "transitions": [], "layout": {"a": {"x": 0, "y": 0}, "b": {"x": COLUMN_PX, "y": 0},
                                         "c": {"x": 0, "y": 400}}}
    assert free_spot(doc, beside="a") == {"x": COLUMN_PX, "y": ROW_PX}
    assert free_spot(doc, beside="c") == {"x": COLUMN_PX, "y": 400}


def test_every_state_type_has_one_style_and_a_docs_row():
    assert set(STATE_STYLES) == set(STATE_TYPES)
    table = markdown_table()
    assert all(f"| `{state_type}` |" in table for state_type in STATE_TYPES)
