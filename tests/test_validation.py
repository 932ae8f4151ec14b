"""An analyst draws an expense-claim process; each mistake gets its own SPEC §3 finding."""

import json
from typing import Any

import pytest

from shared.definition import Definition
from shared.validation import validate


def expense_claim() -> dict[str, Any]:
    """A valid, warning-free process the tests break in one place each."""
    return {
        "schema": "statewright/v1",
        "key": "expense-claim",
        "variables": [
            {"name": "amount", "type": "number", "required": True},
            {"name": "iban", "type": "string", "sensitive": True},
        ],
        "states": [
            {"id": "submitted", "type": "start"},
            {"id": "check_receipt", "type": "task", "action": "check_receipt", "timeout_s": 10},
            {"id": "route", "type": "decision"},
            {
                "id": "approval",
                "type": "human",
                "role": "manager",
                "sla_s": 86400,
                "escalate_to": "finance-lead",
                "form": [{"name": "comment", "type": "string"}],
            },
            {"id": "await_receipt", "type": "wait", "timeout_s": 3600},
            {"id": "payout_delay", "type": "timer", "duration_s": 60},
            {"id": "paid", "type": "end"},
            {"id": "rejected", "type": "end", "outcome": "failed"},
        ],
        "transitions": [
            {"from": "submitted", "to": "check_receipt"},
            {"from": "check_receipt", "to": "route", "on": "done"},
            {"from": "check_receipt", "to": "rejected", "on": "error"},
            {"from": "route", "to": "payout_delay", "when": "amount < 100.0"},
            {"from": "route", "to": "approval", "default": True},
            {"from": "approval", "to": "payout_delay", "on": "approve"},
            {"from": "approval", "to": "await_receipt", "on": "ask_receipt"},
            {"from": "approval", "to": "rejected", "on": "reject"},
            {"from": "await_receipt", "to": "approval", "on": "receipt_sent"},
            {"from": "await_receipt", "to": "rejected", "on": "timeout"},
            {"from": "payout_delay", "to": "paid", "on": "elapsed"},
        ],
    }


def state(doc: dict[str, Any], state_id: str) -> dict[str, Any]:
    return next(s for s in doc["states"] if s["id"] == state_id)


def transition(doc: dict[str, Any], source: str, target: str) -> dict[str, Any]:
    return next(t for t in doc["transitions"] if t["from"] == source and t["to"] == target)


def findings(doc: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [f for f in validate(doc).to_json()["findings"] if f["code"] == code]


def only(doc: dict[str, Any], code: str) -> dict[str, Any]:
    found = findings(doc, code)
    assert len(found) == 1, found
    return found[0]


def test_the_expense_claim_is_clean():
    report = validate(expense_claim())
    assert report.ok and report.findings == []
    assert report.to_json() == {"ok": True, "findings": []}


def test_a_definition_object_validates_like_its_document():
    doc = expense_claim()
    state(doc, "approval").pop("role")
    assert validate(Definition.model_validate(doc)).to_json() == validate(doc).to_json()


def test_the_spec_example_only_lacks_a_way_into_the_cooldown_timer():
    doc = expense_claim()
    doc["states"].append({"id": "cooldown", "type": "timer", "duration_s": 3600})
    doc["transitions"].append({"from": "cooldown", "to": "approval", "on": "elapsed"})
    report = validate(doc)
    assert [(f.code, f.states) for f in report.findings] == [("unreachable", ("cooldown",))]


def test_schema_findings_name_the_path_and_stop_the_graph_checks():
    doc = expense_claim()
    state(doc, "await_receipt")["timeout_s"] = 0
    doc["states"].append({"id": "orphan", "type": "human"})  # would be unreachable
    report = validate(doc)
    assert report.codes() == {"schema"}
    (finding,) = report.findings
    assert finding.message == "states[4].timeout_s: Input should be greater than 0"
    assert finding.states == ("await_receipt",)


def test_something_that_is_not_a_document_gives_a_schema_finding():
    report = validate(["not", "a", "definition"])
    assert not report.ok and report.codes() == {"schema"}


def test_two_states_with_one_id_are_a_duplicate():
    doc = expense_claim()
    doc["states"].append({"id": "route", "type": "decision"})
    assert only(doc, "duplicate-id")["states"] == ["route"]


def test_two_transitions_with_one_id_are_a_duplicate():
    doc = expense_claim()
    transition(doc, "approval", "payout_delay")["id"] = "decide"
    transition(doc, "approval", "rejected")["id"] = "decide"
    found = only(doc, "duplicate-id")
    assert found["transitions"] == ["decide"] and found["severity"] == "error"


def test_a_transition_to_a_missing_state_is_unknown():
    doc = expense_claim()
    doc["transitions"].append({"from": "approval", "to": "archive", "on": "archive"})
    found = only(doc, "unknown-state")
    assert found["states"] == ["approval"] and found["transitions"] == ["t11"]
    assert "'archive'" in found["message"]
    assert findings(doc, "no-way-out") == []


def test_a_process_without_start_is_reported_once():
    doc = expense_claim()
    doc["states"] = [s for s in doc["states"] if s["id"] != "submitted"]
    doc["transitions"] = [t for t in doc["transitions"] if t["from"] != "submitted"]
    assert only(doc, "no-start")["severity"] == "error"
    assert findings(doc, "unreachable") == []


def test_two_start_states_are_too_many():
    doc = expense_claim()
    doc["states"].append({"id": "resubmitted", "type": "start"})
    doc["transitions"].append({"from": "resubmitted", "to": "check_receipt"})
    assert only(doc, "many-starts")["states"] == ["submitted", "resubmitted"]


def test_a_state_nothing_leads_to_is_unreachable():
    doc = expense_claim()
    doc["states"].append({"id": "audit", "type": "task", "action": "audit_claim"})
    doc["transitions"] += [
        {"from": "audit", "to": "paid", "on": "done"},
        {"from": "audit", "to": "rejected", "on": "error"},
    ]
    assert only(doc, "unreachable")["states"] == ["audit"]


def test_a_state_without_exit_is_a_dead_end_and_nothing_more():
    doc = expense_claim()
    doc["states"].append({"id": "escalated", "type": "human", "role": "cfo", "sla_s": 60})
    doc["transitions"].append({"from": "approval", "to": "escalated", "on": "escalate"})
    assert only(doc, "dead-end")["states"] == ["escalated"]
    assert validate(doc).codes() == {"dead-end"}


def test_states_caught_in_a_loop_have_no_way_out():
    doc = expense_claim()
    doc["states"] += [
        {"id": "clarify", "type": "human", "role": "clerk", "sla_s": 60},
        {"id": "nag", "type": "wait", "timeout_s": 60},
        {"id": "remind", "type": "timer", "duration_s": 60},
    ]
    doc["transitions"] += [
        {"from": "approval", "to": "clarify", "on": "clarify"},
        {"from": "clarify", "to": "nag", "on": "ask"},
        {"from": "nag", "to": "remind", "on": "timeout"},
        {"from": "nag", "to": "remind", "on": "answer"},
        {"from": "remind", "to": "nag", "on": "elapsed"},
    ]
    found = findings(doc, "no-way-out")
    assert sorted(f["states"][0] for f in found) == ["clarify", "nag", "remind"]
    assert all(len(f["states"]) == 1 for f in found)
    messages = {f["states"][0]: f["message"] for f in found}
    assert "leads only into a closed loop" in messages["clarify"]
    assert "caught in a closed loop" in messages["nag"]


def test_an_end_state_with_an_exit():
    doc = expense_claim()
    doc["transitions"].append({"from": "paid", "to": "approval", "on": "reopen"})
    found = only(doc, "end-has-exit")
    assert found["states"] == ["paid"] and found["transitions"] == ["t11"]


def test_two_unguarded_transitions_on_one_event_are_ambiguous():
    doc = expense_claim()
    transition(doc, "approval", "rejected")["on"] = "approve"
    found = only(doc, "ambiguous")
    assert found["states"] == ["approval"] and found["transitions"] == ["t5", "t7"]


def test_a_guard_settles_which_transition_an_event_takes():
    doc = expense_claim()
    transition(doc, "approval", "rejected").update(on="approve", when="amount > 5000.0")
    assert findings(doc, "ambiguous") == []


def test_two_defaults_of_a_decision_are_ambiguous():
    doc = expense_claim()
    transition(doc, "route", "payout_delay").pop("when")
    transition(doc, "route", "payout_delay")["default"] = True
    assert only(doc, "ambiguous")["states"] == ["route"]


@pytest.mark.parametrize(
    ("field", "expression"),
    [("when", "amount <"), ("set", {"amount": "amount * "})],
)
def test_an_expression_that_does_not_compile_is_a_bad_guard(field, expression):
    doc = expense_claim()
    transition(doc, "route", "payout_delay")[field] = expression
    found = only(doc, "bad-guard")
    assert found["transitions"] == ["t3"] and found["states"] == ["route"]
    assert "Syntax error" in found["message"]


def test_a_timer_until_is_compiled_too():
    doc = expense_claim()
    state(doc, "payout_delay").update(duration_s=None, until="timestamp(")
    assert only(doc, "bad-guard")["states"] == ["payout_delay"]


def test_a_misspelt_variable_is_a_warning():
    doc = expense_claim()
    transition(doc, "route", "payout_delay")["when"] = "amout < 100.0"
    found = only(doc, "unknown-variable")
    assert found["severity"] == "warning" and "'amout'" in found["message"]
    assert validate(doc).ok


def test_python_spellings_get_the_cel_word():
    doc = expense_claim()
    transition(doc, "route", "payout_delay")["when"] = "event.urgent == True"
    assert "CEL writes True -> true" in only(doc, "unknown-variable")["message"]


def test_event_form_fields_set_targets_and_loop_names_are_known():
    doc = expense_claim()
    transition(doc, "route", "payout_delay")["when"] = (
        "amount < 100.0 && event.urgent && comment != '' && [1, 2].all(x, x > 0)"
    )
    transition(doc, "approval", "payout_delay")["set"] = {"approved_at": "event.at"}
    transition(doc, "await_receipt", "approval")["set"] = {"note": "string(approved_at)"}
    assert findings(doc, "unknown-variable") == []


def test_a_wait_correlating_on_an_undeclared_variable():
    doc = expense_claim()
    state(doc, "await_receipt")["correlate"] = "claim_number"
    assert only(doc, "unknown-variable")["states"] == ["await_receipt"]


def test_a_decision_without_default():
    doc = expense_claim()
    transition(doc, "route", "approval").pop("default")
    transition(doc, "route", "approval")["when"] = "amount >= 100.0"
    assert only(doc, "no-default")["states"] == ["route"]


@pytest.mark.parametrize(
    ("source", "target", "change"),
    [
        ("submitted", "check_receipt", {"on": "go"}),
        ("route", "approval", {"on": "decide"}),
        ("payout_delay", "paid", {"on": "done"}),
        ("check_receipt", "route", {"on": "finished"}),
        ("approval", "rejected", {"on": None}),
        ("await_receipt", "approval", {"on": None}),
    ],
)
def test_an_event_that_does_not_fit_the_state_type_is_a_bad_exit(source, target, change):
    doc = expense_claim()
    edge = transition(doc, source, target)
    edge.update(change)
    if edge["on"] is None:
        del edge["on"]
    assert only(doc, "bad-exit")["states"] == [source]


def test_a_wait_timeout_without_timeout_s_never_fires():
    doc = expense_claim()
    state(doc, "await_receipt").pop("timeout_s")
    assert "never fires" in only(doc, "bad-exit")["message"]


def test_a_start_is_left_by_exactly_one_transition():
    doc = expense_claim()
    doc["transitions"].append({"from": "submitted", "to": "approval", "when": "amount > 1.0"})
    assert only(doc, "bad-exit")["transitions"] == ["t0", "t11"]


@pytest.mark.parametrize(
    ("state_id", "field", "code"),
    [
        ("approval", "role", "missing-role"),
        ("check_receipt", "action", "missing-action"),
        ("payout_delay", "duration_s", "missing-duration"),
    ],
)
def test_a_state_lacking_what_it_needs(state_id, field, code):
    doc = expense_claim()
    state(doc, state_id).pop(field)
    found = only(doc, code)
    assert found["states"] == [state_id] and found["severity"] == "error"


def test_a_subprocess_must_name_its_definition():
    doc = expense_claim()
    doc["states"].append({"id": "verify_iban", "type": "subprocess"})
    transition(doc, "approval", "payout_delay")["to"] = "verify_iban"
    doc["transitions"] += [
        {"from": "verify_iban", "to": "payout_delay", "on": "done"},
        {"from": "verify_iban", "to": "rejected", "on": "error"},
    ]
    assert "definition" in only(doc, "missing-action")["message"]


def test_a_task_without_error_path_is_a_warning():
    doc = expense_claim()
    doc["transitions"].remove(transition(doc, "check_receipt", "rejected"))
    report = validate(doc)
    assert report.ok and [f.code for f in report.warnings] == ["no-error-path"]
    assert report.warnings[0].states == ("check_receipt",)


@pytest.mark.parametrize(
    ("state_id", "field"), [("await_receipt", "timeout_s"), ("approval", "sla_s")]
)
def test_a_wait_or_human_task_without_limit_is_unbounded(state_id, field):
    doc = expense_claim()
    state(doc, state_id).pop(field)
    if field == "timeout_s":
        doc["transitions"].remove(transition(doc, "await_receipt", "rejected"))
    found = only(doc, "unbounded-wait")
    assert found["states"] == [state_id] and found["severity"] == "warning"


def test_errors_come_before_warnings_and_the_report_is_json():
    doc = expense_claim()
    state(doc, "approval").pop("sla_s")
    state(doc, "check_receipt").pop("action")
    report = validate(doc)
    assert [f.severity for f in report.findings] == ["error", "warning"]
    shape = json.loads(json.dumps(report.to_json()))
    assert shape["ok"] is False
    assert set(shape["findings"][0]) == {"code", "severity", "message", "states", "transitions"}
