"""BPMN 2.0: our samples go out and come back the same; Camunda Modeler files map element by
element, and what cannot map is reported by element id; hostile XML is refused."""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

import pytest

from shared.formats import FormatError, export_definition, import_definition
from shared.formats.bpmn_read import read_bpmn
from shared.formats.feel import FeelError, feel_to_cel
from shared.loading import parse_definition
from shared.validation import validate
from tests.formats_helpers import BILLION_LAUGHS, FIXTURES, SAMPLES, XXE, graph, sample

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
DI = "{http://www.omg.org/spec/BPMN/20100524/DI}"


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_every_sample_comes_back_from_bpmn_exactly(path):
    definition = sample(path)
    imported = import_definition(export_definition(definition, "bpmn").encode())
    assert imported.findings == []
    assert parse_definition(imported.document).to_document() == definition.to_document()


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_without_our_extension_data_the_graph_still_maps_back(path):
    """What a Camunda Modeler user who deleted our extension elements would import."""
    definition = sample(path)
    plain = re.sub(r"<sw:\w+>.*?</sw:\w+>", "", export_definition(definition, "bpmn"))
    imported = read_bpmn(plain)
    assert validate(imported.document).ok
    assert [f for f in imported.findings if f.severity == "error"] == []
    ours, theirs = graph(definition.to_document()), graph(imported.document)
    assert theirs["states"] == ours["states"]
    strip_events = [(a, b, w, d) for a, b, _on, w, d in ours["transitions"]]
    assert [(a, b, w, d) for a, b, _on, w, d in theirs["transitions"]] == strip_events
    for transition in definition.transitions:  # events survive where no label replaces them
        if transition.on and not transition.label:
            assert any(t["from"] == transition.source and t.get("on") == transition.on
                       for t in imported.document["transitions"])


def test_the_export_has_a_diagram_shape_per_element_at_the_stored_positions():
    definition = sample(SAMPLES[0])
    root = ET.fromstring(export_definition(definition, "bpmn"))
    process = root.find(f"{BPMN}process")
    flow_nodes = {e.get("id") for e in process if e.tag not in (
        f"{BPMN}sequenceFlow", f"{BPMN}extensionElements")}
    flows = {e.get("id") for e in process.findall(f"{BPMN}sequenceFlow")}
    shapes = {s.get("bpmnElement"): s for s in root.iter(f"{DI}BPMNShape")}
    edges = {e.get("bpmnElement") for e in root.iter(f"{DI}BPMNEdge")}
    assert set(shapes) == flow_nodes and edges == flows
    first = definition.states[0]
    bounds = shapes[first.id][0]
    position = definition.layout[first.id]
    assert (float(bounds.get("x")), float(bounds.get("y"))) == (position.x + 10, position.y + 10)


def test_a_definition_without_positions_gets_a_layered_layout():
    document = sample(SAMPLES[0]).to_document(layout=False)
    root = ET.fromstring(export_definition(parse_definition(document), "bpmn"))
    corners = [(b.get("x"), b.get("y")) for b in root.iter(
        "{http://www.omg.org/spec/DD/20100524/DC}Bounds")]
    assert len(set(corners)) == len(corners)  # no two shapes on top of each other


# ---- a file drawn in Camunda Modeler -----------------------------------------------------


@pytest.fixture(scope="module")
def claim():
    return import_definition((FIXTURES / "camunda-claim.bpmn").read_bytes(), "claim.bpmn")


def test_camunda_elements_become_states_with_their_ids(claim):
    states = {s["id"]: s for s in claim.document["states"]}
    assert {k: s["type"] for k, s in states.items()} == {
        "StartEvent_1": "start", "Activity_Register": "task", "Gateway_Amount": "decision",
        "Activity_Review": "human", "Activity_NotifyManager": "task",
        "EndEvent_Escalated": "end", "Gateway_Decision": "decision",
        "EndEvent_Rejected": "end", "Activity_Score": "task", "Gateway_Score": "decision",
        "Activity_Pay": "subprocess", "Activity_Letter": "task",
        "Gateway_Fork": "fork", "Gateway_Join": "join",
        "Event_WaitConfirmation": "wait", "Event_Cooling": "timer", "Activity_Archive": "wait",
        "EndEvent_Done": "end", "EndEvent_Timeout": "end", "EndEvent_Failed": "end"}
    assert states["Activity_Register"]["action"] == "register-claim"  # zeebe:taskDefinition
    assert states["Activity_Review"]["role"] == "claims-adjuster"  # from its lane
    assert states["Activity_Review"]["sla_s"] == 48 * 3600  # the boundary timer
    assert states["Activity_Archive"]["timeout_s"] == 7 * 86400
    assert states["Event_Cooling"]["duration_s"] == 86400
    assert states["Activity_Pay"]["definition"] == "payment"
    assert states["EndEvent_Failed"]["outcome"] == "failed"
    assert claim.document["key"] == "claim-handling"
    assert set(claim.document["layout"]) == set(states)


def test_camunda_flows_become_transitions_with_events_guards_and_defaults(claim):
    flows = {t["id"]: t for t in claim.document["transitions"]}
    assert flows["Flow_Big"]["when"] == "amount > 10000"
    assert flows["Flow_Approved"]["when"] == 'status == "approved"'
    assert flows["Flow_ScoreOk"]["when"] == "x >= 1 && y < 2"
    assert flows["Flow_Small"]["default"] is True and "when" not in flows["Flow_Small"]
    assert flows["Flow_RegisterFailed"]["from"] == "Activity_Register"  # boundary error
    assert flows["Flow_RegisterFailed"]["on"] == "error"
    assert flows["Flow_PayFailed"]["on"] == "error"  # on the call activity
    assert (flows["Flow_ArchiveLate"]["from"], flows["Flow_ArchiveLate"]["on"]) == (
        "Activity_Archive", "timeout")
    assert flows["Flow_Confirmed"]["on"] == "payment_confirmed"  # the message's name
    assert flows["Flow_Archived"]["on"] == "archive_done"
    # the merging gateway disappears: both flows into it go straight on
    assert "Gateway_Merge" not in {s["id"] for s in claim.document["states"]}
    assert flows["Flow_Approved"]["to"] == flows["Flow_ScoreOk"]["to"] == "Event_WaitConfirmation"
    variables = {v["name"]: v["type"] for v in claim.document["variables"]}
    assert variables == {"amount": "number", "status": "string", "x": "number", "y": "number"}


def test_what_cannot_map_is_reported_by_element_id(claim):
    unmapped = {f.element: f.message for f in claim.findings if f.severity == "error"}
    assert unmapped.keys() == {"Flow_Old", "Flow_Escalate"}
    assert "date(filed)" in unmapped["Flow_Old"]
    assert "not imported" in unmapped["Flow_Escalate"]  # the path after the review's timer
    notes = {f.element for f in claim.findings if f.severity == "warning"}
    assert {"Activity_Score", "Event_ReviewSla"} <= notes
    assert "TextAnnotation_1" not in unmapped and "Association_1" not in unmapped


def test_a_camunda_7_file_maps_completely_and_validates():
    imported = read_bpmn((FIXTURES / "camunda7-approval.bpmn").read_bytes())
    assert [f for f in imported.findings if f.severity == "error"] == []
    assert validate(imported.document).ok
    states = {s["id"]: s for s in imported.document["states"]}
    assert states["book"]["action"] == "book-order"  # camunda:topic, not "external"
    assert states["approve"]["role"] == "purchasing"
    assert states["rejected"]["outcome"] == "cancelled"
    flows = {t["id"]: t for t in imported.document["transitions"]}
    assert flows["yes"]["when"] == "approved && total <= 5000"
    assert flows["f5"]["on"] == "order_delivered"


@pytest.mark.parametrize(("feel", "cel"), [
    ("amount > 10000", "amount > 10000"),
    ('=status = "approved"', 'status == "approved"'),
    ("x >= 1 and y < 2", "x >= 1 && y < 2"),
    ("a != 1 or not(b)", "a != 1 || !(b)"),
    ("(a < 1 or b > 2) and c", "(a < 1 || b > 2) && c"),
    ("order.total <= 99.5", "order.total <= 99.5"),
    ("${ok == true}", "ok == true"),
])
def test_simple_feel_conditions_become_cel(feel, cel):
    assert feel_to_cel(feel).cel == cel


@pytest.mark.parametrize("feel", ["x in [1..5]", "date(d) > today()", "a + 1 > 2", "a >", "",
                                  "(a > 1", "count(items) > 2"])
def test_feel_outside_the_subset_is_refused_not_guessed(feel):
    with pytest.raises(FeelError):
        feel_to_cel(feel)


# ---- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [XXE, BILLION_LAUGHS], ids=["xxe", "billion-laughs"])
def test_xml_with_entities_is_refused(data):
    with pytest.raises(FormatError, match="DTD or entities"):
        import_definition(data, "evil.xml")


@pytest.mark.parametrize(("data", "message"), [
    (b"<bpmn:definitions xmlns:bpmn='http://www.omg.org/spec/BPMN/20100524/MODEL'>",
     "not well-formed"),
    (b"<definitions xmlns='urn:other'><process id='p'><task id='t'/></process></definitions>",
     "not BPMN 2.0"),
    (b"<definitions xmlns='http://www.omg.org/spec/BPMN/20100524/MODEL'/>", "no process"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "neither BPMN 2.0 nor SCXML"),
    (b"hello", "not a BPMN, SCXML"),
])
def test_bad_files_get_one_clear_error(data, message):
    with pytest.raises(FormatError, match=message) as caught:
        import_definition(data, "drawing.bpmn")
    assert str(caught.value).startswith("drawing.bpmn: ")
