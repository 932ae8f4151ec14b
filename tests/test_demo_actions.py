"""The demo actions bring every sample to life: each sample runs to an end state on an engine.

Business answers follow from the variables, so the applicants, policies and requesters below
are chosen for the path they take (a credit score of 797, a lapsed policy...). Transient
hiccups depend on the random instance id, so `settle` keeps retrying until the instance waits
for a person, a message or a timer, the way a running worker would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from runtime import Engine, ManualClock
from runtime.demo import DEMO_ACTIONS, register
from runtime.demo.services import Refused, ServiceUnavailable
from runtime.execution.actions import ActionContext
from runtime.samples import samples_dir

SAMPLES = {path.stem: json.loads(path.read_text()) for path in samples_dir().glob("*.json")}
LONGEST_RETRY_WAIT_S = 121


def _sample_action_names() -> set[str]:
    names = set()
    for sample in SAMPLES.values():
        for state in sample["states"]:
            names.update(filter(None, [state.get("action"), state.get("compensation")]))
    return names


@pytest.fixture
def demo_engine(sqlite_url: str, clock: ManualClock) -> Iterator[Engine]:
    with Engine(sqlite_url, clock=clock) as engine:
        register(engine)
        for sample in SAMPLES.values():
            engine.publish(sample)
        yield engine


def settle(engine: Engine, clock: ManualClock, iid: str) -> Any:
    """Run due work; while the instance sits in a task waiting to retry, let the backoff pass."""
    engine.run_until_idle(timeout_s=10)
    types = {s["id"]: s["type"] for s in SAMPLES[engine.get(iid).definition]["states"]}
    for _ in range(12):
        inst = engine.get(iid)
        if inst.status != "running" or types[inst.state] != "task":
            return inst
        clock.advance(LONGEST_RETRY_WAIT_S)
        engine.run_until_idle(timeout_s=10)
    pytest.fail(f"{iid} is still in the task {engine.get(iid).state!r}")


def _ctx(action: str, attempt: int = 1, instance_id: str = "inst-1", **variables: Any):
    return ActionContext(instance_id=instance_id, action=action, state="s", attempt=attempt,
                         variables=variables)


def test_the_four_samples_are_read():
    assert set(SAMPLES) == {"loan-approval", "purchase-order", "employee-onboarding",
                            "insurance-claim"}


def test_every_action_and_compensation_a_sample_names_has_a_demo_action():
    missing = _sample_action_names() - set(DEMO_ACTIONS)
    assert not missing, f"no demo action for {sorted(missing)}"


def test_register_puts_every_demo_action_on_the_engine(demo_engine):
    assert set(demo_engine.actions.names()) == set(DEMO_ACTIONS)


# ---- loan approval ---------------------------------------------------------------------

def _loan(engine: Engine, ssn: str, amount: float, application_id: str = "APP-5001") -> str:
    return engine.start("loan-approval", {"applicant_name": "Maria Keller", "amount": amount,
                                          "ssn": ssn, "application_id": application_id},
                        actor="clerk")


def test_a_small_loan_with_a_good_score_is_paid_out_after_the_cooling_off(demo_engine, clock):
    iid = _loan(demo_engine, "123-45-1001", 5000)
    inst = settle(demo_engine, clock, iid)
    assert (inst.state, inst.variables["credit_score"], inst.variables["risk"]) == (
        "cooling_off", 797, "low")
    clock.advance(86401)
    inst = settle(demo_engine, clock, iid)
    assert (inst.state, inst.status, inst.variables["approved_amount"]) == (
        "approved", "completed", 5000)


def test_a_low_score_gets_a_rejection_letter(demo_engine, clock):
    inst = settle(demo_engine, clock, _loan(demo_engine, "123-45-1004", 5000))
    assert (inst.state, inst.status, inst.variables["credit_score"]) == (
        "rejected", "failed", 392)


def test_an_underwriter_asks_for_documents_then_approves_a_lower_amount(demo_engine, clock):
    iid = _loan(demo_engine, "123-45-1000", 40000)
    assert settle(demo_engine, clock, iid).state == "review"
    demo_engine.send(iid, "request_docs", {"underwriter_comment": "payslips please"}, actor="uma")
    demo_engine.send(iid, "docs_received", actor="post-room")
    demo_engine.send(iid, "approve", {"approved_amount": 30000, "underwriter_comment": "ok"},
                     actor="uma")
    clock.advance(86401)
    inst = settle(demo_engine, clock, iid)
    assert (inst.state, inst.status, inst.variables["approved_amount"]) == (
        "approved", "completed", 30000)


def test_the_same_applicant_gets_the_same_score_every_time(demo_engine, clock):
    scores = {settle(demo_engine, clock, _loan(demo_engine, "123-45-1000", 40000, f"APP-{n}"))
              .variables["credit_score"] for n in range(3)}
    assert scores == {675}


# ---- purchase order ------------------------------------------------------------------

def _order(engine: Engine, requester: str, total: float) -> str:
    return engine.start("purchase-order", {"requester": requester, "item": "Monitor",
                                           "quantity": 2, "total": total,
                                           "supplier": "Office World"}, actor=requester)


def test_a_small_order_goes_to_the_supplier_and_is_paid_after_the_terms(demo_engine, clock):
    iid = _order(demo_engine, "Bo Chen", 800)
    inst = settle(demo_engine, clock, iid)
    assert inst.state == "await_confirmation"
    assert inst.variables["po_number"].startswith("PO-")
    assert inst.variables["budget_available"] is True
    demo_engine.send(iid, "supplier_confirmed", actor="edi")
    demo_engine.send(iid, "goods_received", actor="warehouse")
    clock.advance(1209601)
    inst = settle(demo_engine, clock, iid)
    assert (inst.state, inst.status) == ("completed", "completed")


def test_a_large_order_needs_finance_and_one_without_budget_is_rejected(demo_engine, clock):
    funded = _order(demo_engine, "Bo Chen", 30000)
    assert settle(demo_engine, clock, funded).state == "finance_approval"
    demo_engine.send(funded, "approve", {"budget_code": "CC-3112"}, actor="fin")
    assert settle(demo_engine, clock, funded).state == "await_confirmation"

    unfunded = settle(demo_engine, clock, _order(demo_engine, "Ana Costa", 30000))
    assert (unfunded.state, unfunded.variables["budget_available"]) == ("rejected", False)


# ---- employee onboarding -------------------------------------------------------------

def _hire(engine: Engine, email: str) -> str:
    return engine.start("employee-onboarding", {
        "employee_name": "Jonas Berg", "email": email, "department": "Finance",
        "start_date": "2026-02-02"}, actor="hr")


def test_a_new_hire_gets_accounts_a_laptop_and_an_orientation(demo_engine, clock):
    iid = _hire(demo_engine, "jonas.berg@example.com")
    inst = settle(demo_engine, clock, iid)
    assert (inst.state, inst.variables["accounts_ready"]) == ("collect_paperwork", True)
    demo_engine.send(iid, "submit", {"tax_id": "DE123", "bank_account": "DE89 3704"}, actor="hr")
    inst = settle(demo_engine, clock, iid)
    assert inst.state == "await_equipment" and inst.variables["equipment_ticket"].startswith("EQ-")
    demo_engine.send(iid, "equipment_delivered", actor="it-desk")
    clock.set(datetime(2026, 2, 2, 9, 0, 1, tzinfo=UTC))
    assert settle(demo_engine, clock, iid).state == "orientation"
    inst = demo_engine.send(iid, "complete", {"buddy": "Lea"}, actor="manager")
    assert (inst.state, inst.status) == ("onboarded", "completed")


def test_an_address_the_directory_refuses_goes_to_it_support(demo_engine, clock):
    iid = _hire(demo_engine, "jonas.berg")
    assert settle(demo_engine, clock, iid).state == "it_support"
    failures = [e.data for e in demo_engine.history(iid) if e.type == "action_failed"]
    assert "the directory refused the address 'jonas.berg'" in failures[-1]["error"]
    inst = demo_engine.send(iid, "give_up", actor="it")
    assert (inst.state, inst.status) == ("onboarding_failed", "failed")


# ---- insurance claim -----------------------------------------------------------------

def _claim(engine: Engine, policy: str, amount: float = 3200) -> str:
    return engine.start("insurance-claim", {
        "policy_number": policy, "claimant": "Eva Lind", "claim_amount": amount,
        "incident_date": "2025-12-28", "iban": "NL91ABNA0417164300"}, actor="agent")


def test_a_clean_claim_is_reserved_booked_assessed_and_paid(demo_engine, clock):
    iid = _claim(demo_engine, "POL-100000")
    inst = settle(demo_engine, clock, iid)
    assert inst.state == "await_assessment" and inst.variables["fraud_score"] < 0.8
    assert inst.variables["payment_reference"].startswith("RSV-")
    assert " at " in inst.variables["repair_booking"]
    visit = date.fromisoformat(inst.variables["assessor_visit"].rsplit(" on ", 1)[1])
    assert 3 <= (visit - date(2025, 12, 28)).days <= 10
    demo_engine.send(iid, "assessment_submitted", actor="assessor")
    demo_engine.send(iid, "approve", {"assessed_amount": 2900}, actor="adjuster")
    clock.advance(172801)
    inst = settle(demo_engine, clock, iid)
    assert (inst.state, inst.status, inst.variables["assessed_amount"]) == (
        "claim_closed", "completed", 2900)


def test_a_suspicious_claim_is_investigated_before_it_goes_on(demo_engine, clock):
    iid = _claim(demo_engine, "POL-100025")
    inst = settle(demo_engine, clock, iid)
    assert (inst.state, inst.variables["fraud_score"]) == ("investigate", 0.94)
    demo_engine.send(iid, "cleared", {"investigation_notes": "garage confirmed"}, actor="fi")
    assert settle(demo_engine, clock, iid).state == "await_assessment"


def test_a_lapsed_policy_is_rejected(demo_engine, clock):
    inst = settle(demo_engine, clock, _claim(demo_engine, "POL-100026"))
    assert (inst.state, inst.status) == ("claim_rejected", "failed")


def test_no_repair_capacity_fails_the_claim_after_the_payment_was_reserved(demo_engine, clock):
    iid = _claim(demo_engine, "POL-100027")
    inst = settle(demo_engine, clock, iid)
    assert (inst.state, inst.status) == ("claim_failed", "failed")
    assert inst.variables["payment_reference"].startswith("RSV-")
    failed = [e.data for e in demo_engine.history(iid) if e.type == "action_failed"]
    assert failed[-1]["final"] and "no partner repair shop" in failed[-1]["error"]


# ---- how the demo services behave ------------------------------------------------------

def test_a_hiccup_fails_only_a_first_attempt_and_only_sometimes():
    first = second = 0
    for n in range(400):
        for attempt in (1, 2):
            try:
                DEMO_ACTIONS["send_purchase_order"](_ctx("send_purchase_order", attempt, f"i{n}"))
            except ServiceUnavailable:
                first, second = first + (attempt == 1), second + (attempt == 2)
    assert 20 < first < 120 and second == 0


def test_a_refusal_repeats_on_every_attempt():
    for attempt in range(1, 6):
        with pytest.raises(Refused, match="was not in force on 2025-12-28"):
            DEMO_ACTIONS["verify_policy"](_ctx("verify_policy", attempt, policy_number="POL-100026",
                                               incident_date="2025-12-28"))


def test_a_repeated_call_hands_out_the_same_reference():
    """At-least-once: a retried order must not become a second purchase order."""
    numbers = {DEMO_ACTIONS["create_purchase_order"](_ctx("create_purchase_order", 2, "i7"))
               ["po_number"] for _ in range(3)}
    assert len(numbers) == 1


def test_compensations_succeed_and_return_dicts():
    compensations = {s["compensation"] for sample in SAMPLES.values()
                     for s in sample["states"] if s.get("compensation")}
    assert compensations
    for name in compensations:
        assert DEMO_ACTIONS[name](_ctx(name, 1)) == {}

