"""Who may see and do what in the web app: checked on the server, page by page and action by
action (SPEC §7)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from nicegui import ui
from nicegui.testing import User

from designer import drafts
from designer.components.canvas import ProcessCanvas
from designer.draft import new_document
from runtime import Engine
from runtime.security.identity import IdentityService

pytestmark = pytest.mark.anyio
Login = Callable[..., Awaitable[None]]


async def test_a_visitor_who_has_not_logged_in_is_sent_to_the_login(anonymous: User) -> None:
    await anonymous.open("/designer/expense-claim")
    await anonymous.should_see(marker="login-username")
    await anonymous.should_not_see(kind=ProcessCanvas)


async def test_a_wrong_password_is_refused_without_saying_why(
    anonymous: User, login: Login
) -> None:
    await login(anonymous, "ana", "not-the-password")
    await anonymous.should_see("Invalid username or password")
    await anonymous.should_see(marker="login-username")


async def test_a_manager_reads_processes_but_may_not_design(
    anonymous: User, engine: Engine, identity: IdentityService, login: Login
) -> None:
    identity.create_user("mo", password="correct-horse-battery", roles=["manager"])
    document = new_document("expense-claim")
    document["states"].append({"id": "paid", "type": "end"})
    document["transitions"].append({"from": "start", "to": "paid"})
    engine.publish(document, actor="ana")
    await login(anonymous, "mo")
    await anonymous.open("/processes")  # a manager lands on the dashboards
    await anonymous.should_see(kind=ui.table)
    await anonymous.should_not_see(marker="new-process")
    table = next(iter(anonymous.find(kind=ui.table).elements))
    assert table.rows[0]["href"] == "/processes/expense-claim/versions/1"
    await anonymous.open("/processes/expense-claim/versions/1")
    await anonymous.should_see(kind=ProcessCanvas)
    await anonymous.open("/designer/expense-claim")
    await anonymous.should_see("mo may not do this")
    await anonymous.should_not_see(kind=ProcessCanvas)


async def test_losing_the_analyst_role_stops_publishing_at_once(
    user: User, identity: IdentityService, engine: Engine
) -> None:
    drafts.save(engine, new_document("expense-claim"))
    document = drafts.load(engine, "expense-claim")
    document["states"].append({"id": "paid", "type": "end"})
    document["transitions"].append({"from": "start", "to": "paid"})
    drafts.save(engine, document)
    await user.open("/designer/expense-claim")
    await user.should_see(marker="no-findings")
    identity.set_roles("ana", ["manager"])
    user.find(marker="publish").click()
    await user.should_see("You may no longer design processes")
    assert engine.definitions() == []


async def test_losing_the_analyst_role_stops_editing_at_once(
    user: User, identity: IdentityService, engine: Engine
) -> None:
    drafts.save(engine, new_document("expense-claim"))
    await user.open("/designer/expense-claim")
    await user.should_see(kind=ProcessCanvas)
    identity.set_roles("ana", ["manager"])
    user.find(kind=ProcessCanvas).trigger("dropped", {"type": "task", "x": 200, "y": 0})
    await user.should_see("You may no longer design processes")
    assert [s["id"] for s in drafts.load(engine, "expense-claim")["states"]] == ["start"]


async def test_logging_out_ends_the_session(user: User) -> None:
    await user.open("/logout")  # asks first; the form posts this session's CSRF token
    token = next(iter(user.find(marker="logout-csrf").elements)).props["value"]
    await user.http_client.post("/auth/logout", data={"csrf": token})
    await user.open("/")
    await user.should_see(marker="login-username")


async def test_a_one_time_password_must_be_changed_before_anything_else(
    anonymous: User, identity: IdentityService, login: Login
) -> None:
    identity.create_user(
        "lee", password="temporary-pass-1", roles=["analyst"], must_change_password=True
    )
    await login(anonymous, "lee", "temporary-pass-1")
    await anonymous.should_see("Choose a new password")
    await anonymous.open("/")
    await anonymous.should_see("Choose a new password")

    anonymous.find(marker="password-current").type("temporary-pass-1")
    anonymous.find(marker="password-new").type("lee-chose-this-1")
    anonymous.find(marker="password-repeat").type("lee-chose-this-2")
    anonymous.find(marker="password-submit").click()
    await anonymous.should_see("The new passwords differ")
    anonymous.find(marker="password-repeat").clear().type("lee-chose-this-1")
    anonymous.find(marker="password-submit").click()
    await anonymous.should_see("Processes")
    assert identity.authenticate("lee", "lee-chose-this-1").must_change_password is False
