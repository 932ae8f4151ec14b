"""Importing a process file into a designer draft: what is accepted, what is refused and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from designer.importing import ImportRefused, draft_from_upload
from tests.formats_helpers import XXE

TRAVEL_REQUEST_YAML = b"""
schema: statewright/v1
key: travel-request
name: Travel request
states:
  - {id: submitted, type: start}
  - {id: approve, type: human}
  - {id: booked, type: end}
transitions:
  - {from: submitted, to: approve}
  - {from: approve, to: booked, on: approve}
"""


def test_a_yaml_file_becomes_a_draft_even_with_findings_left():
    document = draft_from_upload(TRAVEL_REQUEST_YAML, "travel.yaml")
    assert document["key"] == "travel-request"
    assert [s["id"] for s in document["states"]] == ["submitted", "approve", "booked"]


def test_a_file_without_layout_is_arranged_left_to_right():
    layout = draft_from_upload(TRAVEL_REQUEST_YAML, "travel.yaml")["layout"]
    assert layout["submitted"]["x"] < layout["approve"]["x"] < layout["booked"]["x"]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "travel.yaml: "),
        (b"key: [unclosed", "travel.yaml: "),
        (b"- just\n- a list\n", "travel.yaml: "),
        (b"key: Travel Request\nstates: []\n", "`key` must be lower-case"),
        (b"key: travel\nstates: {a: 1}\n", "`states` must be a list of objects"),
        (b"key: travel\ntransitions: [1, 2]\n", "`transitions` must be a list of objects"),
        (b"key: travel\nlayout: [1]\n", "`layout` must be an object"),
        (b"key: travel\nstates: [{type: start}]\n", "states[0].id must be a text id"),
        (b"key: travel\nstates: [{id: 7, type: end}]\n", "states[0].id must be a text id"),
    ],
)
def test_files_the_designer_cannot_open_are_refused_with_the_reason(data: bytes, problem: str):
    with pytest.raises(ImportRefused) as refusal:
        draft_from_upload(data, "travel.yaml")
    assert problem in str(refusal.value)


def test_a_bpmn_file_becomes_a_draft_and_what_did_not_map_is_noted():
    fixtures = Path(__file__).parent / "fixtures" / "formats"
    notes: list[str] = []
    document = draft_from_upload((fixtures / "camunda-claim.bpmn").read_bytes(), "claim.bpmn",
                                 notes)
    assert document["key"] == "claim-handling"
    assert "Activity_Review" in document["layout"]
    assert {s["id"]: s["type"] for s in document["states"]}["Gateway_Fork"] == "fork"
    assert any(line.startswith("error   Flow_Old: condition") for line in notes)


def test_hostile_xml_is_refused_as_an_upload():
    with pytest.raises(ImportRefused, match=r"evil\.bpmn: refused"):
        draft_from_upload(XXE, "evil.bpmn")
