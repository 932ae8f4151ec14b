"""The sample processes `serve` publishes are realistic and spotless: no errors, no warnings."""

from pathlib import Path

import pytest

from shared.definition import EndState, HumanState, TaskState
from shared.loading import load_document, parse_definition
from shared.validation import validate

SAMPLES = sorted((Path(__file__).parents[1] / "assets" / "samples").glob("*.json"))


def test_the_four_samples_are_there():
    assert [p.stem for p in SAMPLES] == [
        "employee-onboarding",
        "insurance-claim",
        "loan-approval",
        "purchase-order",
    ]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_a_sample_validates_without_any_finding(path):
    report = validate(load_document(path))
    assert report.findings == []


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_a_sample_shows_what_the_format_can_do(path):
    definition = parse_definition(load_document(path))
    assert definition.key == path.stem
    assert len({s.type for s in definition.states}) >= 6
    assert any(v.sensitive for v in definition.variables)
    decisions = [t for t in definition.transitions if t.source in _ids(definition, "decision")]
    assert any(t.when for t in decisions) and any(t.default for t in decisions)
    humans = [s for s in definition.states if isinstance(s, HumanState)]
    assert any(h.sla_s and h.escalate_to and h.form for h in humans)
    assert any(t.on == "error" for t in definition.transitions)
    assert any(isinstance(s, EndState) and s.outcome == "failed" for s in definition.states)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_a_sample_is_laid_out_left_to_right(path):
    definition = parse_definition(load_document(path))
    assert set(definition.layout) == {s.id for s in definition.states}
    start = next(s.id for s in definition.states if s.type == "start")
    xs = {state_id: position.x for state_id, position in definition.layout.items()}
    assert xs[start] == min(xs.values())
    for t in definition.transitions:
        if t.source == start:
            assert xs[t.target] > xs[start]


def test_the_insurance_claim_is_a_saga():
    definition = parse_definition(load_document(SAMPLES[1]))
    compensated = [s for s in definition.states if isinstance(s, TaskState) and s.compensation]
    assert len(compensated) >= 3


def _ids(definition, state_type):
    return {s.id for s in definition.states if s.type == state_type}
