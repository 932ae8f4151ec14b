"""Late tasks in the inbox, on a clock the test moves: overdue first, and an escalation
arriving live in the inbox of the role it is escalated to."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from nicegui.testing import User
from test_task_inbox import PASSWORD, ROOT, rows, sign_in, soon

from runtime import Engine, ManualClock
from runtime.security.identity import IdentityService

pytestmark = pytest.mark.anyio


def review(key: str, priority: str, sla_s: float) -> dict:
    return {
        "schema": "statewright/v1", "key": key, "name": key.replace("-", " ").capitalize(),
        "states": [
            {"id": "in", "type": "start"},
            {"id": "review", "type": "human", "name": f"Review {key}", "role": "reviewer",
             "priority": priority, "sla_s": sla_s, "escalate_to": "senior"},
            {"id": "done", "type": "end", "outcome": "completed"},
        ],
        "transitions": [{"from": "in", "to": "review"},
                        {"from": "review", "to": "done", "on": "approve"}],
    }


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def engine(tmp_path: Path, clock: ManualClock) -> Iterator[Engine]:
    """The designer pages' engine, on a clock that only the test moves."""
    engine = Engine(f"sqlite:///{tmp_path / 'designer.db'}", clock=clock)
    yield engine
    engine.close()


@pytest.fixture
def people(identity: IdentityService) -> IdentityService:
    identity.create_user("rita", password=PASSWORD, roles=["reviewer"])
    identity.create_user("sam", password=PASSWORD, roles=["senior"])
    return identity


def start(engine: Engine, key: str, priority: str, sla_s: float) -> str:
    engine.publish(review(key, priority, sla_s))
    iid = engine.start(key)
    return next(t.id for t in engine.tasks.list(ROOT).items if t.instance_id == iid)


async def test_an_overdue_task_heads_the_queue_and_says_by_how_much(
    anonymous: User, engine: Engine, clock: ManualClock, people: IdentityService
) -> None:
    late = start(engine, "low-and-late", "low", 600)
    clock.advance(3600)
    urgent = start(engine, "urgent-not-late", "urgent", 7200)
    await sign_in(anonymous, "rita")
    await anonymous.should_see(marker="role-tasks")
    first, second = rows(anonymous, "role-tasks")
    assert (first["id"], first["late"], first["due_text"]) == (late, True, "overdue by 50m 00s")
    assert (second["id"], second["late"], second["due_text"]) == (urgent, False, "in 2h 00m 00s")


async def test_an_escalated_task_arrives_live_in_the_seniors_inbox(
    anonymous: User, engine: Engine, clock: ManualClock, people: IdentityService
) -> None:
    task = start(engine, "escalating", "normal", 600)
    await sign_in(anonymous, "sam")
    await anonymous.should_see("My roles' tasks (senior)")
    assert rows(anonymous, "role-tasks") == []
    clock.advance(601)
    assert await asyncio.to_thread(engine.tasks.sweep) == 1
    await soon(lambda: [r["id"] for r in rows(anonymous, "role-tasks")] == [task])
    row = rows(anonymous, "role-tasks")[0]
    assert (row["priority"], row["escalated"], row["late"], row["can_claim"]) == (
        "high", True, True, True)
