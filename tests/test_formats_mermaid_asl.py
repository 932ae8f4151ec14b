"""Mermaid export (for docs) and Amazon States Language import."""

from __future__ import annotations

import json

import pytest

from shared.formats import FormatError, export_definition, import_definition
from shared.loading import parse_definition
from shared.validation import validate
from tests.formats_helpers import FIXTURES, SAMPLES, sample


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_mermaid_draws_every_state_and_transition(path):
    definition = sample(path)
    lines = export_definition(definition, "mermaid").splitlines()
    assert "stateDiagram-v2" in lines
    arrows = [line.strip() for line in lines if "-->" in line]
    start = next(s.id for s in definition.states if s.type == "start")
    ends = [s.id for s in definition.states if s.type == "end"]
    assert f"[*] --> {start}" in arrows
    assert all(f"{end} --> [*]" in arrows for end in ends)
    assert len(arrows) == len(definition.transitions) + 1 + len(ends)
    for transition in definition.transitions:
        assert any(a.startswith(f"{transition.source} --> {transition.target}") for a in arrows)
    for state in definition.states:
        if state.type == "decision":
            assert f"    state {state.id} <<choice>>" in lines


def test_mermaid_ids_and_labels_stay_inside_its_syntax():
    definition = parse_definition({
        "key": "odd", "name": "Odd; names",
        "states": [{"id": "a-b", "type": "start"}, {"id": "a_b", "type": "end",
                                                     "name": 'He said "stop"\nnow'}],
        "transitions": [{"from": "a-b", "to": "a_b", "label": "50%% off; today"}]})
    text = export_definition(definition, "mermaid")
    assert "title: Odd, names" in text
    assert 'state "a-b" as a_b\n' in text and 'state "He said stop now" as a_b_\n' in text
    assert "a_b --> a_b_: 50% off, today" in text


# ---- Amazon States Language --------------------------------------------------------------


@pytest.fixture(scope="module")
def order():
    return import_definition((FIXTURES / "order.asl.json").read_bytes(), "order.asl.json")


def test_asl_states_map_to_ours(order):
    states = {s["id"]: s for s in order.document["states"]}
    assert {k: s["type"] for k, s in states.items()} == {
        "start": "start", "Check_stock": "task", "Route": "decision", "Cool_down": "timer",
        "Mark_domestic": "decision", "Ship": "task", "end": "end", "Out_of_luck": "end",
        "Done": "end"}
    assert states["Check_stock"]["name"] == "Check stock"
    assert states["Check_stock"]["action"] == "check_stock"
    assert states["Check_stock"]["retry"] == {"max_attempts": 3, "initial_s": 3,
                                              "multiplier": 2}
    assert states["Check_stock"]["timeout_s"] == 30
    assert states["Cool_down"]["duration_s"] == 3600
    assert states["Out_of_luck"]["outcome"] == "failed"


def test_asl_transitions_choices_and_catch(order):
    transitions = order.document["transitions"]
    assert {"from": "start", "to": "Check_stock"} in transitions
    assert {"from": "Check_stock", "to": "Out_of_luck", "on": "error"} in transitions
    assert {"from": "Route", "to": "Cool_down",
            "when": "(total > 1000) && (vip == false)"} in transitions
    assert {"from": "Route", "to": "Mark_domestic", "when": 'country == "DE"'} in transitions
    assert {"from": "Route", "to": "Ship", "default": True} in transitions
    assert {"from": "Mark_domestic", "to": "Ship", "default": True,
            "set": {"zone": '"domestic"'}} in transitions
    assert {"from": "Ship", "to": "end", "on": "done"} in transitions
    assert {v["name"]: v["type"] for v in order.document["variables"]} == {
        "total": "number", "vip": "boolean", "country": "string", "zone": "string"}


def test_asl_parallel_and_jsonata_are_reported_by_state_name(order):
    unmapped = {f.element: f.message for f in order.findings if f.severity == "error"}
    assert unmapped.keys() == {"Notify all", "Route.Choices[2]"}
    assert "needs two or more `Branches`" in unmapped["Notify all"]


def test_an_asl_machine_without_parallel_validates():
    machine = json.loads((FIXTURES / "order.asl.json").read_text())
    del machine["States"]["Notify all"], machine["States"]["Done"]
    machine["States"]["Route"]["Choices"].pop()
    machine["States"]["Ship"]["Catch"] = [{"ErrorEquals": ["States.ALL"], "Next": "Out of luck"}]
    imported = import_definition(json.dumps(machine).encode())
    assert imported.findings == []
    assert validate(imported.document).ok


@pytest.mark.parametrize(("data", "message"), [
    (b'{"StartAt": "A", "States": ', "not valid JSON"),
    (b'{"Comment": "no states"}', "not Amazon States Language"),
    (b'{"key": "x", "states": []}', "already a statewright definition"),
])
def test_bad_asl_gets_one_clear_error(data, message):
    with pytest.raises(FormatError, match=message):
        import_definition(data, "machine.json")
