"""Every event type of the instance log reads as a sentence, with hidden values masked."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from designer.components.event_sentences import sentence
from runtime.core import events as ev
from runtime.execution import saga
from runtime.people.tasks import model as task_events

AT = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)


def event(type_: str, data: dict[str, Any] | None = None, actor: str | None = None) -> ev.Event:
    return ev.Event("i-1", 1, type_, data or {}, actor, AT, "0" * 64, "1" * 64)


def event_types() -> set[str]:
    """Every event type the runtime writes: the log's own, the inbox's and the sagas'."""
    found = set()
    for module, prefix in ((ev, ""), (task_events, "TASK_"), (saga, "COMPENSATION_")):
        for name, value in vars(module).items():
            if (name.isupper() and name.startswith(prefix) and isinstance(value, str)
                    and value.islower() and name not in ("GENESIS_HASH", "COMPENSATION_JOB")):
                found.add(value)
    return found


EXAMPLES: dict[str, tuple[dict[str, Any], str | None, str]] = {
    ev.INSTANCE_STARTED: ({"variables": {"amount": 12000, "applicant": "Ada"},
                           "business_key": "LN-7"}, "admin",
                          "Started by admin as LN-7 with amount 12,000 and applicant Ada"),
    ev.TRANSITION: ({"from": "review", "to": "approved", "event": "approve"}, "uma",
                    "Moved from review to approved on approve"),
    ev.VARIABLES_SET: ({"values": {"risk": "low", "score": 701.5}}, None,
                       "Set risk to low and score to 701.5"),
    ev.ACTION_STARTED: ({"action": "check_credit", "attempt": 1}, None,
                        "Action check_credit started (attempt 1)"),
    ev.ACTION_FAILED: ({"action": "check_credit", "attempt": 3, "error": "bureau down",
                        "final": True}, None,
                       "Action check_credit failed: bureau down (attempt 3; no retry left)"),
    ev.ACTION_SUCCEEDED: ({"action": "check_credit", "attempt": 2}, None,
                          "Action check_credit succeeded (attempt 2)"),
    ev.TIMER_SET: ({"event": "elapsed", "due_at": "2026-02-01T10:00:00+00:00"}, None,
                   "Timer set: elapsed at 2026-02-01 10:00"),
    ev.TIMER_FIRED: ({"event": "elapsed"}, None, "Timer fired: elapsed"),
    ev.TASK_CREATED: ({"role": "underwriter", "priority": "high", "due_at": None}, None,
                      "Task for underwriter created (high priority)"),
    ev.SUBPROCESS_STARTED: ({"child": "abcdef12-3456", "definition": "kyc", "version": 2},
                            None, "Subprocess kyc v2 started as abcdef12"),
    ev.SUBPROCESS_ENDED: ({"child": "abcdef12-3456", "status": "completed"}, None,
                          "Subprocess abcdef12 ended: completed"),
    ev.BRANCHES_STARTED: ({"fork": "split", "parent": "", "branches": ["split.0", "split.1"]},
                          None, "Forked at split into 2 branches: split.0, split.1"),
    ev.BRANCHES_JOINED: ({"join": "merge", "parent": "", "branches": ["split.0", "split.1"]},
                         None, "Joined 2 branches at merge"),
    ev.INCIDENT: ({"reason": "no definition kyc is published"}, None,
                  "Incident: no definition kyc is published"),
    ev.CANCELLED: ({"reason": "duplicate"}, "otto", "Cancelled: duplicate"),
    ev.SUSPENDED: ({"reason": "bank holiday", "status": "suspended"}, "otto",
                   "Suspended by otto: bank holiday"),
    ev.RESUMED: ({"reason": "back", "status": "running"}, "otto", "Resumed by otto: back"),
    ev.RETRIED: ({"reason": "fixed", "status": "running"}, "otto", "Retried by otto: fixed"),
    ev.MOVED: ({"from": "review", "to": "wait_docs", "reason": "post"}, "otto",
               "Moved by otto from review to wait_docs: post"),
    ev.MIGRATED: ({"from_version": 1, "to_version": 2, "reason": "fix"}, "otto",
                  "Migrated by otto from version 1 to 2: fix"),
    ev.ROLLBACK_REQUESTED: ({"reason": "fraud"}, "otto", "Rollback requested by otto: fraud"),
    ev.ERASED: ({"erased": ["ssn"], "reason": "GDPR request"}, "admin",
                "Sensitive values erased by admin (ssn): GDPR request"),
    ev.DLP_FLAGGED: ({"source": "start", "action": "masked",
                      "findings": [{"variable": "note", "kind": "iban"}]}, None,
                     "DLP masked personal data from start: note (iban)"),
    task_events.TASK_CLAIMED: ({"assignee": "uma"}, "uma", "Task claimed by uma"),
    task_events.TASK_UNCLAIMED: ({"previous": "uma"}, "admin", "Task given back by uma"),
    task_events.TASK_DELEGATED: ({"to_user": "bo", "to_role": None}, "uma",
                                 "Task delegated by uma to user bo"),
    task_events.TASK_COMPLETED: ({"outcome": "approve"}, "uma",
                                 "Task completed by uma with approve"),
    task_events.TASK_ESCALATED: ({"from_role": "underwriter", "to_role": "senior",
                                  "priority": "urgent"}, None,
                                 "Task escalated from underwriter to senior (urgent priority)"),
    saga.COMPENSATION_STARTED: ({"state": "pay", "action": "refund", "of_seq": 9}, None,
                                "Compensation refund started for pay (undoing event #9)"),
    saga.COMPENSATION_DONE: ({"state": "pay", "action": "refund"}, None,
                             "Compensation refund done for pay"),
    saga.COMPENSATION_FAILED: ({"state": "pay", "action": "refund", "error": "gone"}, None,
                               "Compensation refund failed: gone"),
}


def test_every_event_type_has_an_example() -> None:
    assert event_types() == set(EXAMPLES)


@pytest.mark.parametrize("type_", sorted(EXAMPLES))
def test_each_event_reads_as_a_sentence(type_: str) -> None:
    data, actor, expected = EXAMPLES[type_]
    assert sentence(event(type_, data, actor)) == expected


def test_variants_read_naturally() -> None:
    assert sentence(event(ev.TRANSITION, {"from": None, "to": "received"})) == "Entered received"
    assert sentence(event(ev.TRANSITION, {"from": "pay", "to": "done", "status": "completed",
                                          "branch": "split.0"})) == (
        "Moved from pay to done: the instance completed (branch split.0)")
    assert sentence(event(ev.ACTION_FAILED, {
        "action": "pay", "attempt": 1, "error": "timeout",
        "retry_at": "2026-01-31T09:31:02+00:00"})) == (
        "Action pay failed: timeout (attempt 1; retry at 2026-01-31 09:31)")
    assert sentence(event(ev.INSTANCE_STARTED, {"variables": {}}, None)) == "Started by system"
    assert sentence(event(ev.INSTANCE_STARTED, {"variables": dict.fromkeys("abcde", 1)},
                          "ann")) == "Started by ann with a 1, b 1, c 1 and 2 more"
    assert sentence(event(task_events.TASK_DELEGATED, {
        "to_user": None, "to_role": "underwriter", "reason": "out_of_office"}, "system")) == (
        "Task delegated by system while out of office to role underwriter")
    assert sentence(event("something_new", {}, "bot")) == "Something new (bot)"


def test_hidden_values_are_masked() -> None:
    started = event(ev.INSTANCE_STARTED, {"variables": {"ssn": "078-05-1120", "amount": 5}},
                    "admin")
    assert sentence(started, frozenset({"ssn"})) == "Started by admin with ssn *** and amount 5"
    changed = event(ev.VARIABLES_SET, {"values": {"salary": 98000}})
    assert sentence(changed, frozenset({"salary"})) == "Set salary to ***"
