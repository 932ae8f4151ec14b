"""Parallel branches in every format: BPMN parallel gateways, SCXML `<parallel>` and ASL
`Parallel` import as fork/join definitions that validate; fork/join definitions export to
BPMN, SCXML and Mermaid and come back as the same graph; what has no place is named."""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from runtime import Engine
from shared.formats import FormatError, Imported, export_definition, import_definition
from shared.formats.bpmn_nodes import BPMN_NS, DI_NS
from shared.loading import parse_definition
from shared.validation import validate
from tests.formats_helpers import FIXTURES, graph
from tests.parallel_processes import many_waits, nested, shipping
from tests.test_formats_cli import statewright

FORKING = {"shipping": shipping(), "nested": nested(), "many-waits": many_waits(3)}


def errors(document: dict[str, Any]) -> list[str]:
    return [f"{f.code}: {f.message}" for f in validate(document).findings
            if f.severity == "error"]


def unmapped(imported: Imported) -> dict[str, str]:
    return {f.element: f.message for f in imported.findings if f.severity == "error"}


def types(document: dict[str, Any]) -> dict[str, str]:
    return {s["id"]: s["type"] for s in document["states"]}


def edges(document: dict[str, Any]) -> set[tuple[str, str, str | None]]:
    return {(t["from"], t["to"], t.get("on")) for t in document["transitions"]}


# ---- BPMN -------------------------------------------------------------------------------


def test_camunda_parallel_gateways_become_a_fork_and_its_join():
    imported = import_definition((FIXTURES / "camunda-parallel.bpmn").read_bytes())
    document = imported.document
    assert imported.findings == []
    assert types(document)["Gateway_Split"] == "fork"
    assert types(document)["Gateway_Join"] == "join"
    assert {(f, t) for f, t, on in edges(document) if f == "Gateway_Split" and on is None} == {
        ("Gateway_Split", "Activity_Pack"), ("Gateway_Split", "Activity_Invoice"),
        ("Gateway_Split", "Activity_Credit")}
    assert ("Activity_Credit", "Gateway_Join", "credit_ok") in edges(document)
    assert ("Gateway_Join", "Activity_Ship", None) in edges(document)
    assert next(s for s in document["states"] if s["id"] == "Gateway_Split")["name"] == \
        "Split order"
    assert set(document["layout"]) == set(types(document))
    assert errors(document) == []


BOTH_WAYS = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="Relay" isExecutable="true">
    <bpmn:startEvent id="begin"/>
    <bpmn:parallelGateway id="split"/>
    <bpmn:serviceTask id="a"/><bpmn:serviceTask id="b"/>
    <bpmn:parallelGateway id="relay"/>
    <bpmn:serviceTask id="c"/><bpmn:serviceTask id="d"/>
    <bpmn:parallelGateway id="merge"/>
    <bpmn:parallelGateway id="through"/>
    <bpmn:endEvent id="finish"/>
    <bpmn:sequenceFlow id="f1" sourceRef="begin" targetRef="split"/>
    <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="a">
      <bpmn:conditionExpression>=x &gt; 1</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="b"/>
    <bpmn:sequenceFlow id="f4" sourceRef="a" targetRef="relay"/>
    <bpmn:sequenceFlow id="f5" sourceRef="b" targetRef="relay"/>
    <bpmn:sequenceFlow id="f6" sourceRef="relay" targetRef="c"/>
    <bpmn:sequenceFlow id="f7" sourceRef="relay" targetRef="d"/>
    <bpmn:sequenceFlow id="f8" sourceRef="c" targetRef="merge"/>
    <bpmn:sequenceFlow id="f9" sourceRef="d" targetRef="merge"/>
    <bpmn:sequenceFlow id="f10" sourceRef="merge" targetRef="through"/>
    <bpmn:sequenceFlow id="f11" sourceRef="through" targetRef="finish"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_a_gateway_that_merges_and_splits_is_a_join_then_a_fork():
    imported = import_definition(BOTH_WAYS)
    document = imported.document
    assert types(document)["relay"] == "join" and types(document)["relay_fork"] == "fork"
    assert {("relay", "relay_fork", None), ("relay_fork", "c", None),
            ("relay_fork", "d", None), ("a", "relay", "done")} <= edges(document)
    assert "through" not in types(document)  # one path in, one out: it does nothing
    assert ("merge", "finish", None) in edges(document)
    notes = {f.element: f.message for f in imported.findings if f.severity == "warning"}
    assert "the join 'relay' followed by the fork 'relay_fork'" in notes["relay"]
    assert "does nothing" in notes["through"]
    assert "every branch is taken" in notes["f2"]  # BPMN ignores it on a parallel gateway
    assert all("when" not in t for t in document["transitions"])
    assert unmapped(imported) == {}
    assert errors(document) == []


@pytest.mark.parametrize("name", FORKING)
def test_fork_join_definitions_go_to_bpmn_and_back(name):
    definition = parse_definition(FORKING[name])
    text = export_definition(definition, "bpmn")
    root = ET.fromstring(text)
    gateways = {g.get("id") for g in root.iter(f"{{{BPMN_NS}}}parallelGateway")}
    assert gateways == {s.id for s in definition.states if s.type in ("fork", "join")}
    shapes = {s.get("bpmnElement") for s in root.iter(f"{{{DI_NS}}}BPMNShape")}
    assert gateways <= shapes  # drawn, so bpmn.io and Camunda Modeler show them
    back = import_definition(text.encode())
    assert back.findings == []
    assert parse_definition(back.document).to_document(layout=False) == \
        definition.to_document(layout=False)
    plain = re.sub(r"<bpmn:extensionElements>.*?</bpmn:extensionElements>", "", text, flags=re.S)
    assert types(import_definition(plain.encode()).document) == types(FORKING[name])


def test_a_camunda_parallel_diagram_comes_back_from_our_own_export():
    first = import_definition((FIXTURES / "camunda-parallel.bpmn").read_bytes()).document
    again = import_definition(export_definition(parse_definition(first), "bpmn").encode())
    assert again.findings == [] and again.document == first


# ---- SCXML ------------------------------------------------------------------------------


def test_an_scxml_parallel_becomes_a_fork_its_regions_and_a_join():
    imported = import_definition((FIXTURES / "review.scxml").read_bytes())
    document = imported.document
    assert unmapped(imported) == {}
    assert types(document)["reviews"] == "fork" and types(document)["reviews_join"] == "join"
    assert {"legal", "finance", "legal_done", "finance_done"}.isdisjoint(types(document))
    assert {("drafted", "reviews", "submit"), ("reviews", "legal_review", None),
            ("reviews", "finance_review", None), ("legal_review", "reviews_join", "legal_ok"),
            ("legal_review", "legal_redraft", "legal_changes"),
            ("finance_review", "reviews_join", "finance_ok"),
            ("reviews_join", "signing", None)} <= edges(document)
    assert errors(document) == []


@pytest.mark.parametrize("name", ["shipping", "many-waits"])
def test_fork_join_definitions_go_to_scxml_and_back(name):
    definition = parse_definition(FORKING[name])
    text = export_definition(definition, "scxml")
    root = ET.fromstring(text)
    ns = "{http://www.w3.org/2005/07/scxml}"
    parallel = root.find(f"{ns}parallel")
    assert parallel is not None and parallel.get("id") == "split"
    assert len(parallel.findall(f"{ns}state")) == sum(
        t.source == "split" for t in definition.transitions)
    assert parallel.find(f"{ns}transition").get("event") == "done.state.split"
    back = import_definition(text.encode())
    assert back.findings == []
    assert graph(back.document) == graph(definition.to_document())
    states = {s["id"]: s for s in back.document["states"]}
    assert all(states[s["id"]] == s for s in definition.to_document()["states"])


def test_a_foreign_parallel_chart_comes_back_from_our_own_export():
    first = import_definition((FIXTURES / "review.scxml").read_bytes()).document
    again = import_definition(export_definition(parse_definition(first), "scxml").encode())
    assert again.findings == [] and graph(again.document) == graph(first)


def test_forks_a_parallel_cannot_hold_are_refused_by_name():
    with pytest.raises(FormatError, match="fork 'outer' cannot be written as an SCXML "
                                          "<parallel>: a branch reaches the fork 'inner'"):
        export_definition(parse_definition(nested()), "scxml")
    document = shipping()  # a decision before the fork leads into a branch by a side door
    document["states"][0] = {"id": "received", "type": "decision"}
    document["states"].insert(0, {"id": "begin", "type": "start"})
    document["transitions"][0]["default"] = True
    document["transitions"] += [{"from": "begin", "to": "received"},
                                {"from": "received", "to": "pack", "when": "packed"}]
    assert errors(document) == []
    with pytest.raises(FormatError, match=r"fork 'split' .*'received' outside its branches "
                                          r"leads into 'pack'"):
        export_definition(parse_definition(document), "scxml")


def test_what_a_parallel_cannot_say_is_reported_by_id():
    chart = (FIXTURES / "review.scxml").read_text()
    chart = chart.replace('<transition event="done.state.reviews" target="signing"/>',
                          '<transition event="done.state.reviews" target="signing"/>'
                          '<transition event="cancel" target="closed"/>')
    chart = chart.replace('<final id="finance_done"/>', "")
    imported = import_definition(chart.encode())
    assert "region 'finance' needs exactly one <final>" in unmapped(imported)["reviews"]
    chart = chart.replace('<state id="finance_review">',
                          '<final id="finance_done"/><state id="finance_review">')
    imported = import_definition(chart.encode())
    assert "only an unguarded `done.state.reviews`" in unmapped(imported)["reviews/transition"]


# ---- Amazon States Language --------------------------------------------------------------


def test_an_asl_parallel_becomes_a_fork_its_branches_and_a_join():
    imported = import_definition((FIXTURES / "notify.asl.json").read_bytes())
    document = imported.document
    assert imported.findings == []
    assert types(document) == {
        "start": "start", "Prepare": "task", "Notify_all": "fork", "Notify_all_join": "join",
        "Notify_all_Send_mail": "task", "Notify_all_Mail_failed": "decision",
        "Notify_all_Send_sms": "task", "Notify_all_Pause": "timer", "Archive": "task",
        "end": "end"}
    assert {("Prepare", "Notify_all", "done"), ("Notify_all", "Notify_all_Send_mail", None),
            ("Notify_all", "Notify_all_Send_sms", None),
            ("Notify_all_Send_mail", "Notify_all_join", "done"),  # End: true
            ("Notify_all_Send_mail", "Notify_all_Mail_failed", "error"),
            ("Notify_all_Mail_failed", "Notify_all_join", None),  # into a Succeed
            ("Notify_all_Pause", "Notify_all_join", "elapsed"),
            ("Notify_all_join", "Archive", None)} == edges(document) - {
        ("start", "Prepare", None), ("Archive", "end", "done"),
        ("Notify_all_Send_sms", "Notify_all_Pause", "done")}
    names = {s["id"]: s.get("name") for s in document["states"]}
    assert names["Notify_all_Send_mail"] == "Send mail"
    assert errors(document) == []


def test_what_a_fork_cannot_hold_in_asl_is_reported_by_state_name():
    machine = json.loads((FIXTURES / "notify.asl.json").read_text())
    parallel = machine["States"]["Notify all"]
    parallel["Catch"] = [{"ErrorEquals": ["States.ALL"], "Next": "Archive"}]
    parallel["Branches"][1]["States"]["Pause"] = {"Type": "Fail", "Error": "Late"}
    machine["States"]["Each"] = {"Type": "Map", "ItemsPath": "$.items", "End": True}
    found = unmapped(import_definition(json.dumps(machine).encode()))
    assert found.keys() == {"Notify all.Catch", "Pause", "Each"}
    assert "no place on a fork" in found["Notify all.Catch"]
    assert "a Fail inside a Parallel branch" in found["Pause"]
    assert "Map state" in found["Each"]


# ---- Mermaid and the command line ---------------------------------------------------------


def test_mermaid_draws_forks_and_joins_as_bars():
    text = export_definition(parse_definition(shipping()), "mermaid")
    assert "    state split <<fork>>\n" in text and "    state merge <<join>>\n" in text
    assert "    split --> pack\n" in text and "    merge --> ship\n" in text


@pytest.mark.parametrize("name", ["camunda-parallel.bpmn", "review.scxml", "notify.asl.json"])
def test_each_parallel_fixture_imports_and_validates_from_the_shell(tmp_path, name):
    out = tmp_path / "x.json"
    done = statewright("import", str(FIXTURES / name), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert statewright("validate", str(out)).returncode == 0


def test_an_export_scxml_cannot_hold_is_one_line_and_exit_1(db_url):
    with Engine(db_url) as engine:
        engine.publish(nested())
    done = statewright("export", "nested", "--format", "scxml", "--db", db_url)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1].startswith(
        "error: nested v1: fork 'outer' cannot be written as an SCXML <parallel>")


def test_a_region_may_name_its_first_state_with_an_initial_element():
    chart = (FIXTURES / "review.scxml").read_text().replace(
        '<state id="finance" initial="finance_review">',
        '<state id="finance"><onentry/><initial><transition target="finance_check"/></initial>'
        '<state id="finance_check"><transition event="checked" target="finance_review"/>'
        "</state>")
    imported = import_definition(chart.encode())
    assert unmapped(imported) == {}
    assert ("reviews", "finance_check", None) in edges(imported.document)
    assert "<onentry>" in {f.element: f.message for f in imported.findings}["finance"]
    nested_chart = chart.replace('<final id="legal_done"/>',
                                 '<final id="legal_done"/><parallel id="deeper"/>')
    assert "region 'legal' needs exactly one <final>" in unmapped(
        import_definition(nested_chart.encode()))["reviews"]


def test_asl_parallels_nest():
    machine = json.loads((FIXTURES / "notify.asl.json").read_text())
    sms = machine["States"]["Notify all"]["Branches"][1]
    sms["States"]["Send sms"]["Next"] = "Both"
    sms["States"]["Both"] = {"Type": "Parallel", "Next": "Pause", "Branches": [
        {"StartAt": "Ring", "States": {"Ring": {"Type": "Task", "Resource": "ring",
                                                "End": True}}},
        {"StartAt": "Log", "States": {"Log": {"Type": "Succeed"}}}]}
    imported = import_definition(json.dumps(machine).encode())
    assert imported.findings == []
    document = imported.document
    assert types(document)["Notify_all_Both"] == "fork"
    assert {("Notify_all_Send_sms", "Notify_all_Both", "done"),
            ("Notify_all_Both", "Notify_all_Both_Ring", None),
            ("Notify_all_Both", "Notify_all_Both_join", None),  # a branch that only succeeds
            ("Notify_all_Both_Ring", "Notify_all_Both_join", "done"),
            ("Notify_all_Both_join", "Notify_all_Pause", None)} <= edges(document)
    assert errors(document) == []
