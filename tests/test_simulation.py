"""Token simulation: paths through the samples, guards with their values, timeouts, errors,
and clear refusals of bad variables and events; nothing is stored."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from runtime.core.errors import EventRefused, VariablesInvalid
from runtime.definitions import checked_definition
from runtime.modelling.simulation import Simulation, run
from tests.parallel_processes import shipping

SAMPLES = Path(__file__).resolve().parents[1] / "assets" / "samples"
NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
LOAN = {"applicant_name": "Ada", "amount": 5000, "application_id": "A-1"}


def _loan() -> Any:
    return checked_definition(SAMPLES / "loan-approval.json")


def test_a_small_good_loan_runs_to_approved_with_the_decision_guards_and_their_values():
    sim = run(_loan(), LOAN, [("done", {"credit_score": 720}), ("elapsed", {}), ("done", {})],
              NOW)
    assert sim.path == ["received", "score", "route", "cooling_off", "disburse", "approved"]
    assert (sim.snapshot.status, sim.state, sim.choices()) == ("completed", "approved", [])
    scored = sim.steps[1]
    assert scored.event == "done" and scored.entered == ["route", "cooling_off"]
    by_target = {g.target: g for g in scored.guards if g.source == "route"}
    assert by_target["notify_rejection"].value is False
    assert by_target["notify_rejection"].values == {"credit_score": 720}
    taken = by_target["cooling_off"]
    assert (taken.value, taken.taken) == (True, True)
    assert taken.values == {"amount": 5000, "credit_score": 720}
    assert not by_target["review"].taken and by_target["review"].default
    assert sim.snapshot.variables["credit_score"] == 720


def test_a_large_loan_stops_at_review_and_offers_the_underwriters_outcomes():
    sim = run(_loan(), {**LOAN, "amount": 50000}, [("done", {"credit_score": 720})], NOW)
    assert sim.state == "review"
    assert [(c.event, c.kind) for c in sim.choices()] == [
        ("approve", "event"), ("request_docs", "event"), ("reject", "event")]
    review = next(g for g in sim.steps[-1].guards if g.target == "review")
    assert review.taken and review.default


def test_a_waits_timeout_is_offered_and_fires_at_its_due_time():
    sim = run(_loan(), {**LOAN, "amount": 50000},
              [("done", {"credit_score": 720}), ("request_docs", {})], NOW)
    assert [c.event for c in sim.choices()] == ["docs_received", "timeout"]
    fired = sim.send("timeout")
    assert fired.entered == ["notify_rejection"]
    assert fired.at is not None and fired.at > NOW  # the simulated clock jumped to the due time


def test_a_task_error_takes_the_error_transition_and_a_task_timeout_is_its_error():
    failed = run(_loan(), LOAN, [("error", {})], NOW)
    assert failed.path[-1] == "check_failed" and failed.snapshot.status == "failed"
    assert failed.snapshot.variables["error"] == "simulated failure"
    definition = _loan().model_copy(deep=True)
    definition.state("score").timeout_s = 30
    sim = Simulation.start(definition, LOAN, NOW)
    assert [c.event for c in sim.choices()] == ["done", "error", "timeout"]
    timed_out = sim.send("timeout")
    assert timed_out.entered == ["check_failed"]
    assert "timed out after 30 s" in sim.snapshot.variables["error"]


def test_a_guard_that_fails_to_evaluate_shows_its_error_and_the_incident():
    doc = checked_definition(SAMPLES / "loan-approval.json").to_document()
    route = next(t for t in doc["transitions"] if t["from"] == "route" and t.get("when"))
    route["when"] = "credit_score < undefined_name"
    sim = run(checked_definition(doc), LOAN, [("done", {"credit_score": 720})], NOW)
    assert sim.steps[-1].incident and sim.snapshot.status == "incident"
    assert sim.choices() == []


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.json")))
def test_every_sample_reaches_an_end_by_always_taking_the_first_choice(sample):
    definition = checked_definition(SAMPLES / sample)
    values = {"string": "x", "number": 1000, "integer": 3, "boolean": True,
              "date": "2025-03-10", "datetime": "2025-03-10T09:00:00+00:00"}
    start = {v.name: values.get(v.type, "x") for v in definition.variables
             if v.default is None and v.type in values}
    sim = Simulation.start(definition, start, NOW)
    for _ in range(50):
        if sim.finished:
            break
        sim.send(sim.choices()[0].event)
    assert sim.finished, sim.path
    assert definition.state(sim.state).type == "end"


def test_bad_start_variables_are_refused_naming_them():
    with pytest.raises(VariablesInvalid, match="applicant_name"):
        Simulation.start(_loan(), {"amount": 5000, "application_id": "A"}, NOW)
    with pytest.raises(VariablesInvalid, match="'amount' must be a number"):
        Simulation.start(_loan(), {**LOAN, "amount": "lots"}, NOW)


def test_an_event_not_offered_is_refused_listing_what_is_and_nothing_changes():
    sim = Simulation.start(_loan(), LOAN, NOW)
    with pytest.raises(EventRefused, match="'approve' cannot happen there; it offers: done, error"):
        sim.send("approve")
    assert (sim.state, len(sim.steps)) == ("score", 1)
    with pytest.raises(VariablesInvalid, match="credit_score"):
        sim.send("done", {"credit_score": "high"})
    assert (sim.state, len(sim.steps)) == ("score", 1)


def test_the_json_form_carries_path_choices_and_guards():
    sim = run(_loan(), {**LOAN, "amount": 50000}, [("done", {"credit_score": 400})], NOW)
    body = sim.to_json()
    assert body["path"][-1] == "notify_rejection" and body["choices"][0]["event"] == "done"
    guard = next(g for g in body["steps"][1]["guards"] if g["when"])
    assert guard["value"] is True and guard["taken"] and guard["values"] == {"credit_score": 400}
    assert sim.now == NOW  # no timer fired: the simulated clock stood still


def test_the_arrows_a_fork_and_a_join_take_are_listed_taken_once_each():
    sim = run(checked_definition(shipping()), {}, [("paid", {}), ("done", {})], NOW)
    taken = [(g.source, g.target) for s in sim.steps for g in s.guards if g.taken]
    assert taken == [("received", "split"), ("split", "pack"), ("split", "payment"),
                     ("payment", "merge"), ("pack", "merge"), ("merge", "ship")]
    assert all(g.taken for s in sim.steps for g in s.guards if g.source in ("split", "merge"))
