"""Migrating an instance into a human state of another version opens that version's task and
closes the one it left (SQLite and PostgreSQL)."""

from __future__ import annotations

import copy
from typing import Any

from runtime.operations import perform
from runtime.people.tasks import Caller

ADMIN = Caller("root", frozenset({"admin"}))


def test_migrating_into_a_new_human_state_moves_the_task(engine, loan_approval):
    engine.publish(loan_approval)
    engine.action("credit_score")(lambda ctx: {"score": 700})
    iid = engine.start("loan-approval", {"amount": 50_000})
    engine.run_until_idle()
    (review,) = engine.tasks.list(ADMIN).items
    newer: dict[str, Any] = copy.deepcopy(loan_approval)
    newer["states"].append({"id": "second_look", "type": "human", "role": "senior"})
    newer["transitions"] += [{"from": "review", "to": "second_look", "on": "escalate"},
                             {"from": "second_look", "to": "approved", "on": "approve"}]
    newer["states"] = [s for s in newer["states"] if s["id"] != "wait_docs"]
    newer["transitions"] = [t for t in newer["transitions"] if "wait_docs" not in (
        t["from"], t["to"])]
    engine.publish(newer)
    after = perform(engine, iid, "migrate", "new review rules", actor="olga", version=2,
                    mapping={"review": "second_look"})
    assert (after.version, after.state) == (2, "second_look")
    (task,) = engine.tasks.list(ADMIN, state="open").items
    assert (task.human_state, task.role) == ("second_look", "senior")
    assert engine.tasks.get(review.id, ADMIN).state == "cancelled"
    engine.tasks.complete(task.id, ADMIN, "approve")
    assert engine.get(iid).status == "completed"
    assert engine.verify_audit().ok
