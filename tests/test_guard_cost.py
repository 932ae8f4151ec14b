"""Regression: a guard of nested `.all()` over lists (about 41M steps) stalled the whole
server, since the CEL binding holds the GIL until it is done. Its cost is now bounded at
validation (comprehension nesting) and before every evaluation (a step budget)."""

from __future__ import annotations

import pytest

from runtime import Engine
from shared.errors import GuardError
from shared.guards import (
    GUARD_STEP_BUDGET,
    MAX_COMPREHENSION_DEPTH,
    comprehension_depth,
    estimated_steps,
    evaluate_guard,
)
from shared.validation import validate

CUBIC = "xs.all(a, xs.all(b, xs.all(c, a + b + c >= 0)))"
SQUARE = "xs.all(a, xs.all(b, a + b >= 0))"


def routing(guard: str) -> dict:
    return {
        "schema": "statewright/v1",
        "key": "bulk-check",
        "name": "Bulk check",
        "variables": [{"name": "xs", "type": "array"}],
        "states": [
            {"id": "received", "type": "start"},
            {"id": "route", "type": "decision"},
            {"id": "ok", "type": "end", "outcome": "completed"},
            {"id": "odd", "type": "end", "outcome": "failed"},
        ],
        "transitions": [
            {"from": "received", "to": "route"},
            {"from": "route", "to": "ok", "when": guard},
            {"from": "route", "to": "odd", "default": True},
        ],
    }


@pytest.mark.parametrize(
    ("src", "depth"),
    [
        ("amount > 10", 0),
        ("xs.exists(x, x > 1)", 1),
        (SQUARE, 2),
        (CUBIC, 3),
        ("xs.map(a, a * 2).all(b, b > 0)", 1),
        ("'.all(a, .all(b, .all(' == label", 0),
    ],
)
def test_the_nesting_of_comprehensions_is_measured_outside_strings(src: str, depth: int) -> None:
    assert comprehension_depth(src) == depth


def test_an_analyst_is_told_a_triply_nested_guard_is_too_costly() -> None:
    findings = validate(routing(CUBIC)).findings
    bad = [f for f in findings if f.code == "bad-guard"]
    assert len(bad) == 1 and bad[0].severity == "error"
    assert "nests 3 comprehensions" in bad[0].message
    assert f"at most {MAX_COMPREHENSION_DEPTH}" in bad[0].message
    assert bad[0].transitions


def test_a_guard_over_lists_too_long_for_its_nesting_is_refused_before_it_runs() -> None:
    xs = list(range(5_000))  # 25M steps for SQUARE
    assert estimated_steps(SQUARE, {"xs": xs}) == 25_000_000 > GUARD_STEP_BUDGET
    with pytest.raises(GuardError, match="25,000,000 steps"):
        evaluate_guard(SQUARE, {"xs": xs})
    assert evaluate_guard(SQUARE, {"xs": list(range(300))}) is True  # within the budget


def test_lists_nested_in_maps_and_the_event_count_too() -> None:
    context = {"order": {"lines": list(range(2_000))}, "event": {}}
    assert estimated_steps("order.lines.all(a, order.lines.all(b, a != b))", context) == 4_000_000


def test_an_instance_with_a_runaway_guard_does_not_run_it(engine: Engine) -> None:
    engine.publish(routing(SQUARE))
    iid = engine.start("bulk-check", {"xs": list(range(5_000))})
    engine.run_until_idle(timeout_s=10)
    instance = engine.get(iid)
    assert instance.state == "route" and instance.status == "incident"
