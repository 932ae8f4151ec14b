"""The Task inbox pages as task workers use them: real engine, real task service, no browser."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from nicegui.testing import User

from designer.components.task_table import countdown
from runtime import Engine
from runtime.people.tasks import Caller
from runtime.security.identity import IdentityService

pytestmark = pytest.mark.anyio
PASSWORD = "correct-horse-battery"
BO = Caller("bo", frozenset({"reviewer"}))
ROOT = Caller("root", frozenset({"admin"}))

EXPENSE: dict[str, Any] = {
    "schema": "statewright/v1",
    "key": "expense",
    "name": "Expense claim",
    "variables": [
        {"name": "amount", "type": "number", "required": True},
        {"name": "iban", "type": "string", "sensitive": True},
        {"name": "note", "type": "string"},
        {"name": "approved_amount", "type": "number"},
        {"name": "category", "type": "string"},
        {"name": "pay_on", "type": "date"},
    ],
    "states": [
        {"id": "filed", "type": "start"},
        {"id": "review", "type": "human", "name": "Review the expense", "role": "reviewer",
         "sla_s": 3600, "priority": "high",
         "form": [
             {"name": "note", "type": "string", "label": "Note", "required": True},
             {"name": "approved_amount", "type": "number"},
             {"name": "category", "type": "string", "options": ["travel", "meals"]},
             {"name": "pay_on", "type": "date", "label": "Pay on"},
         ]},
        {"id": "pay", "type": "human", "name": "Pay the expense", "role": "finance"},
        {"id": "paid", "type": "end", "outcome": "completed"},
        {"id": "refused", "type": "end", "outcome": "failed"},
    ],
    "transitions": [
        {"from": "filed", "to": "review"},
        {"from": "review", "to": "pay", "on": "approve"},
        {"from": "review", "to": "refused", "on": "reject"},
        {"from": "pay", "to": "paid", "on": "paid"},
    ],
}


@pytest.fixture
def people(identity: IdentityService) -> IdentityService:
    """rita and bo review expenses; fin works in finance."""
    identity.create_user("rita", password=PASSWORD, roles=["reviewer"])
    identity.create_user("bo", password=PASSWORD, roles=["reviewer"])
    identity.create_user("fin", password=PASSWORD, roles=["finance"])
    return identity


def start_expense(engine: Engine, amount: float = 120.0) -> tuple[str, str]:
    """(instance id, id of its open task)."""
    if not engine.definitions():
        engine.publish(EXPENSE)
    iid = engine.start("expense", {"amount": amount, "iban": "DE44500105175407324931"},
                       actor="intake")
    task = next(t for t in engine.tasks.list(ROOT, state="open").items if t.instance_id == iid)
    return iid, task.id


async def sign_in(user: User, username: str, path: str = "/tasks") -> None:
    """Log in through the login page, straight on to `path` (task workers may not see `/`)."""
    await user.open(f"/login?next={path}")
    user.find(marker="login-username").type(username)
    user.find(marker="login-password").type(PASSWORD)
    user.find(marker="login-submit").click()
    await user.should_see(marker="current-user", retries=30)


def rows(user: User, marker: str) -> list[dict]:
    return next(iter(user.find(marker=marker).elements)).rows


async def test_each_worker_sees_the_tasks_of_their_roles_and_their_own(
    anonymous: User, engine: Engine, people: IdentityService
) -> None:
    _, review = start_expense(engine)
    iid, _ = start_expense(engine)
    engine.tasks.claim(_task(engine, iid), BO)
    engine.tasks.complete(_task(engine, iid), BO, "approve", {"note": "fine"})
    paying = _task(engine, iid)
    await sign_in(anonymous, "rita")
    await anonymous.should_see("My roles' tasks (reviewer)")
    assert [r["id"] for r in rows(anonymous, "role-tasks")] == [review]
    assert rows(anonymous, "my-tasks") == []
    row = rows(anonymous, "role-tasks")[0]
    assert (row["priority"], row["state"], row["definition"], row["can_claim"]) == (
        "high", "review", "expense", True)
    assert row["due_text"].startswith("in 59m") or row["due_text"].startswith("in 1h")
    await anonymous.open(f"/tasks/{paying}")
    await anonymous.should_see(f"Task {paying} is not in your inbox")
    await anonymous.should_not_see(marker="outcomes")


async def test_a_task_of_another_role_cannot_be_opened_by_id(
    anonymous: User, engine: Engine, people: IdentityService
) -> None:
    _, review = start_expense(engine)
    await sign_in(anonymous, "fin", f"/tasks/{review}")
    await anonymous.should_see("is not in your inbox")
    await anonymous.should_not_see(marker="task-context")
    await anonymous.open("/tasks/no-such-task")
    await anonymous.should_see("Task no-such-task is not in your inbox")
    await anonymous.open("/tasks")
    await anonymous.should_see("My roles' tasks (finance)")
    assert rows(anonymous, "role-tasks") == []


async def test_a_lost_claim_race_says_who_won(
    anonymous: User, engine: Engine, people: IdentityService
) -> None:
    _, review = start_expense(engine)
    await sign_in(anonymous, "rita")
    await anonymous.should_see(marker="role-tasks")
    engine.tasks.claim(review, BO)  # bo is quicker, from another browser
    anonymous.find(marker="role-tasks").trigger("claim", review)
    await anonymous.should_see("already claimed by 'bo'")
    assert engine.tasks.get(review, ROOT).assignee == "bo"
    assert rows(anonymous, "role-tasks")[0]["holder"] == "claimed by bo"
    assert rows(anonymous, "role-tasks")[0]["can_claim"] is False


async def test_claim_unclaim_and_delegate_from_the_inbox(
    anonymous: User, engine: Engine, people: IdentityService
) -> None:
    _, review = start_expense(engine)
    await sign_in(anonymous, "rita")
    await anonymous.should_see(marker="role-tasks")
    anonymous.find(marker="role-tasks").trigger("claim", review)
    await anonymous.should_see(f"Claimed: task {review}")
    assert [r["id"] for r in rows(anonymous, "my-tasks")] == [review]
    anonymous.find(marker="my-tasks").trigger("unclaim", review)
    await anonymous.should_see(f"Gave back: task {review}")
    assert engine.tasks.get(review, ROOT).assignee is None
    anonymous.find(marker="role-tasks").trigger("delegate", review)
    anonymous.find(marker="delegate-confirm").click()
    await anonymous.should_see("Pick a user to delegate to")
    anonymous.find(marker="delegate-user").click()
    anonymous.find("fin").click()
    anonymous.find(marker="delegate-confirm").click()
    await anonymous.should_see(f"Delegated to fin: task {review}")
    task = engine.tasks.get(review, ROOT)
    assert (task.assignee, task.delegated_by) == ("fin", "rita")
    assert rows(anonymous, "role-tasks")[0]["holder"] == "claimed by fin"


async def test_a_task_can_be_handed_to_another_role(
    anonymous: User, engine: Engine, people: IdentityService
) -> None:
    _, review = start_expense(engine)
    await sign_in(anonymous, "rita", f"/tasks/{review}")
    anonymous.find(marker="delegate").click()
    next(iter(anonymous.find(marker="delegate-kind").elements)).value = "role"
    await anonymous.should_see(marker="delegate-role")
    anonymous.find(marker="delegate-role").click()
    anonymous.find("finance").click()
    anonymous.find(marker="delegate-confirm").click()
    await anonymous.should_see(f"Delegated to finance: task {review}")
    await anonymous.should_see("This task is no longer in your inbox")  # rita is no finance
    task = engine.tasks.get(review, ROOT)
    assert (task.role, task.assignee, task.delegated_by) == ("finance", None, "rita")


async def test_the_form_shows_each_fields_problem_then_completing_moves_the_instance(
    anonymous: User, engine: Engine, people: IdentityService
) -> None:
    iid, review = start_expense(engine)
    await sign_in(anonymous, "rita", f"/tasks/{review}")
    await anonymous.should_see("Open for reviewer: claim it to work on it.")
    await anonymous.should_not_see("DE44500105175407324931")
    iban = next(iter(anonymous.find(marker="variable-iban").elements))
    assert iban.text == "***"
    assert not next(iter(anonymous.find(marker="outcome-approve").elements)).enabled
    anonymous.find(marker="claim").click()
    await anonymous.should_see("Claimed by you")
    assert next(iter(anonymous.find(marker="outcome-approve").elements)).enabled
    anonymous.find(marker="field-pay_on").type("31.01.2027")
    anonymous.find(marker="outcome-approve").click()
    await anonymous.should_see("Note is required")
    await anonymous.should_see("Pay on must be an ISO date like 2026-01-31, got '31.01.2027'")
    assert engine.get(iid).state == "review"
    anonymous.find(marker="field-note").type("receipts attached")
    anonymous.find(marker="field-pay_on").clear().type("2027-01-31")
    anonymous.find(marker="field-category").click()
    anonymous.find("travel").click()
    anonymous.find(marker="outcome-approve").click()
    await anonymous.should_see("The instance moved on: it is now running in state pay.")
    await anonymous.should_see("completed by rita with approve")  # the history follows
    await anonymous.should_not_see(marker="error-note")
    assert not next(iter(anonymous.find(marker="field-note").elements)).enabled
    instance = engine.get(iid)
    assert instance.state == "pay"
    assert (instance.variables["note"], instance.variables["pay_on"],
            instance.variables["category"]) == ("receipts attached", "2027-01-31", "travel")
    assert engine.tasks.get(review, ROOT).completed_by == "rita"


async def test_a_new_task_appears_in_an_open_inbox_without_reload(
    anonymous: User, engine: Engine, people: IdentityService
) -> None:
    await sign_in(anonymous, "rita")
    await anonymous.should_see("My roles' tasks (reviewer)")
    assert rows(anonymous, "role-tasks") == []
    _, review = await asyncio.to_thread(start_expense, engine)
    await soon(lambda: [r["id"] for r in rows(anonymous, "role-tasks")] == [review])
    await asyncio.to_thread(engine.tasks.claim, review, BO)
    await soon(lambda: rows(anonymous, "role-tasks")[0]["holder"] == "claimed by bo")


async def soon(condition: Callable[[], bool], within_s: float = 3.0) -> None:
    """Wait for a live update: true within `within_s`, else fail."""
    for _ in range(int(within_s / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    assert condition()


async def test_an_open_task_page_shows_a_colleagues_claim_without_reload(
    anonymous: User, engine: Engine, people: IdentityService
) -> None:
    _, review = start_expense(engine)
    await sign_in(anonymous, "rita", f"/tasks/{review}")
    await anonymous.should_see(marker="claim")
    await asyncio.to_thread(engine.tasks.claim, review, BO)
    await anonymous.should_see("Claimed by bo.", retries=30)
    await anonymous.should_not_see(marker="claim")
    assert not next(iter(anonymous.find(marker="outcome-approve").elements)).enabled


async def test_a_closed_page_stops_listening(
    anonymous: User, engine: Engine, people: IdentityService
) -> None:
    before = len(engine.changes._subscribers)  # the hub has no public count
    await sign_in(anonymous, "rita")
    await anonymous.should_see(marker="role-tasks")
    assert len(engine.changes._subscribers) == before + 1
    anonymous.client.delete()  # what NiceGUI does when a tab is gone for good
    assert len(engine.changes._subscribers) == before
    await asyncio.to_thread(start_expense, engine)  # nobody left to refresh: no error


async def test_search_narrows_both_queues(
    anonymous: User, engine: Engine, people: IdentityService
) -> None:
    first, _ = start_expense(engine)
    second, _ = start_expense(engine)
    await sign_in(anonymous, "rita")
    await anonymous.should_see(marker="role-tasks")
    assert len(rows(anonymous, "role-tasks")) == 2
    anonymous.find(marker="task-search").type(second[:8])
    await anonymous.should_see("My roles' tasks (reviewer): 1")
    assert [r["instance_id"] for r in rows(anonymous, "role-tasks")] == [second]
    assert first not in {r["instance_id"] for r in rows(anonymous, "role-tasks")}


def _task(engine: Engine, iid: str) -> str:
    return next(t.id for t in engine.tasks.list(ROOT, state="open").items
                if t.instance_id == iid)


def test_the_due_countdown_reads_like_a_clock() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert countdown(datetime(2026, 1, 1, 13, 2, 5, tzinfo=UTC), now) == "in 1h 02m 05s"
    assert countdown(datetime(2026, 1, 3, 12, 30, tzinfo=UTC), now) == "in 2d 0h 30m"
    assert countdown(datetime(2026, 1, 1, 11, 59, 30, tzinfo=UTC), now) == "overdue by 0m 30s"
    assert countdown(None, now) == "no SLA"
