"""SCXML: our samples go out and come back the same; other charts map by shape, and a
`<parallel>` whose regions do not end in a `<final>`, compound states and multi-target
transitions are reported by id."""

from __future__ import annotations

import re

import pytest

from shared.formats import FormatError, export_definition, import_definition
from shared.formats.scxml import read_scxml
from shared.loading import parse_definition
from tests.formats_helpers import BILLION_LAUGHS, FIXTURES, SAMPLES, graph, sample


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_every_sample_comes_back_from_scxml_exactly(path):
    definition = sample(path)
    imported = import_definition(export_definition(definition, "scxml").encode())
    assert imported.findings == []
    assert parse_definition(imported.document).to_document() == definition.to_document()


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_without_our_extension_data_the_transitions_map_back(path):
    definition = sample(path)
    plain = re.sub(r"<sw:\w+>.*?</sw:\w+>", "", export_definition(definition, "scxml"))
    imported = read_scxml(plain)
    assert imported.findings == []
    assert graph(imported.document)["transitions"] == graph(
        definition.to_document())["transitions"]
    types = {s["id"]: s["type"] for s in imported.document["states"]}
    for state in definition.states:  # the kinds SCXML itself can tell apart
        if state.type in ("start", "end", "decision"):
            assert types[state.id] == state.type
    assert {v["name"] for v in imported.document["variables"]} == {
        v.name for v in definition.variables}


def test_the_export_is_a_flat_chart_with_finals_and_an_initial_state():
    definition = sample(SAMPLES[0])
    text = export_definition(definition, "scxml")
    assert 'xmlns="http://www.w3.org/2005/07/scxml"' in text
    start = next(s.id for s in definition.states if s.type == "start")
    assert f'initial="{start}"' in text
    for state in definition.states:
        tag = "final" if state.type == "end" else "state"
        assert f'<{tag} id="{state.id}">' in text


@pytest.fixture(scope="module")
def ticket():
    return import_definition((FIXTURES / "traffic.scxml").read_bytes(), "traffic.scxml")


def test_a_foreign_chart_maps_by_shape(ticket):
    types = {s["id"]: s["type"] for s in ticket.document["states"]}
    assert types == {"new": "start", "triage": "decision", "queued": "wait", "urgent": "wait",
                     "resolving": "wait", "closed": "end"}
    transitions = [(t["from"], t["to"], t.get("on"), t.get("when"), t.get("default", False))
                   for t in ticket.document["transitions"]]
    assert ("triage", "urgent", None, "priority == 1", False) in transitions
    assert ("triage", "queued", None, None, True) in transitions
    assign = next(t for t in ticket.document["transitions"] if t.get("on") == "assign")
    assert assign["set"] == {"owner": "event.owner"}
    assert {v["name"]: v["type"] for v in ticket.document["variables"]} == {
        "priority": "number", "escalated": "boolean", "owner": "string"}


def test_what_a_flat_graph_cannot_hold_is_reported_by_id(ticket):
    unmapped = [(f.element, f.message) for f in ticket.findings if f.severity == "error"]
    assert [e for e, m in unmapped if "<parallel> not imported: region 'mail' needs exactly "
            "one <final>" in m] == ["notify"]
    assert [e for e, m in unmapped if "compound state" in m] == ["working"]
    assert [e for e, m in unmapped if "several targets" in m] == ["urgent/transition"]
    assert [e for e, m in unmapped if "'working' was not imported" in m] == [
        "urgent/transition"]
    notes = {f.element: f.message for f in ticket.findings if f.severity == "warning"}
    assert "<onentry>" in notes["triage"]


def test_a_chart_whose_initial_state_waits_gets_a_start_state():
    chart = """<scxml xmlns="http://www.w3.org/2005/07/scxml" initial="idle">
      <state id="idle"><transition event="go" target="end"/></state><final id="end"/></scxml>"""
    imported = read_scxml(chart)
    assert imported.document["states"][0] == {"id": "start", "type": "start"}
    assert {"from": "start", "to": "idle"} in imported.document["transitions"]


@pytest.mark.parametrize(("data", "message"), [
    (BILLION_LAUGHS, "DTD or entities"),
    (b"<scxml xmlns='urn:not-scxml'/>", "not SCXML"),
    (b"<scxml xmlns='http://www.w3.org/2005/07/scxml'><parallel id='p'/></scxml>",
     "no states it can import"),
    (b"<scxml xmlns='http://www.w3.org/2005/07/scxml'><state id='a'>", "not well-formed"),
])
def test_bad_charts_get_one_clear_error(data, message):
    with pytest.raises(FormatError, match=message):
        import_definition(data, "chart.scxml")
