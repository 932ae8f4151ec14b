"""The inbox page's variable columns and saved views, without a browser: a confidential
inbox variable is a column for an admin and neither a column nor a value for a worker."""

from __future__ import annotations

from typing import Any

import pytest
from nicegui.testing import User

from runtime import Engine
from runtime.people.tasks import saved_views
from runtime.security.identity import IdentityService

pytestmark = pytest.mark.anyio
PASSWORD = "correct-horse-battery"
CLAIM: dict[str, Any] = {
    "schema": "statewright/v1", "key": "claim",
    "variables": [{"name": "amount", "type": "number", "inbox": True},
                  {"name": "salary", "type": "number", "classification": "confidential",
                   "inbox": True}],
    "states": [{"id": "in", "type": "start"},
               {"id": "review", "type": "human", "role": "reviewer"},
               {"id": "done", "type": "end", "outcome": "completed"}],
    "transitions": [{"from": "in", "to": "review"},
                    {"from": "review", "to": "done", "on": "approve"}],
}


@pytest.fixture
def claim(engine: Engine, identity: IdentityService) -> str:
    identity.create_user("rita", password=PASSWORD, roles=["reviewer"])
    identity.create_user("root", password=PASSWORD, roles=["admin"])
    engine.publish(CLAIM)
    return engine.start("claim", {"amount": 1500, "salary": 123456}, business_key="CL-9")


async def open_inbox(user: User, username: str) -> dict[str, Any]:
    await user.open("/login?next=/tasks")
    user.find(marker="login-username").type(username)
    user.find(marker="login-password").type(PASSWORD)
    user.find(marker="login-submit").click()
    await user.should_see(marker="role-tasks", retries=30)
    return next(iter(user.find(marker="role-tasks").elements))


async def test_a_worker_gets_no_column_for_a_confidential_variable(
    anonymous: User, claim: str
) -> None:
    table = await open_inbox(anonymous, "rita")
    assert [c["label"] for c in table.columns if c["name"].startswith("var_")] == ["Amount"]
    (row,) = table.rows
    assert (row["business_key"], row["var_amount"]) == ("CL-9", "1,500")
    assert "var_salary" not in row and "123456" not in str(row)


async def test_an_admin_sees_it(anonymous: User, claim: str) -> None:
    table = await open_inbox(anonymous, "root")
    assert [c["name"] for c in table.columns if c["name"].startswith("var_")] == [
        "var_amount", "var_salary"]
    assert table.rows[0]["var_salary"] == "123,456"


async def test_a_saved_view_is_offered_and_reopens_its_search(
    anonymous: User, engine: Engine, claim: str
) -> None:
    saved_views.save(engine, "rita", "big claims", {"search": "CL-9"})
    await open_inbox(anonymous, "rita")
    picker = next(iter(anonymous.find(marker="saved-view").elements))
    assert picker.options == ["big claims"]
    picker.set_value("big claims")
    await anonymous.should_see("My roles' tasks (reviewer): 1")
    assert next(iter(anonymous.find(marker="task-search").elements)).value == "CL-9"
