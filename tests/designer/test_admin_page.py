"""The Admin page (SPEC §7): an admin manages accounts, roles and API tokens; each act asks
the server again, destructive ones are confirmed first, secrets are shown once and every
act is recorded with the admin as the actor."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from nicegui.testing import User

from runtime.security.identity import AuthenticationFailed, IdentityService, TokenInvalid

pytestmark = pytest.mark.anyio
Login = Callable[..., Awaitable[None]]

ADMIN_PASSWORD = "ada-administers-1"
MO_PASSWORD = "mo-manages-things"


@pytest.fixture
async def admin(anonymous: User, identity: IdentityService, login: Login) -> User:
    """Ada the admin, logged in on the Admin page; Mo the manager exists."""
    identity.create_user("ada", password=ADMIN_PASSWORD, roles=["admin"])
    identity.create_user("mo", password=MO_PASSWORD, roles=["manager"])
    await login(anonymous, "ada", ADMIN_PASSWORD)
    await anonymous.should_see(marker="nav-admin")
    await anonymous.open("/admin")
    await anonymous.should_see("Recent admin activity")
    return anonymous


def only(user: User, marker: str) -> Any:
    elements = user.find(marker=marker).elements
    assert len(elements) == 1, f"expected one element marked {marker}, found {len(elements)}"
    return next(iter(elements))


def row(user: User, table: str, key: str, value: str) -> dict:
    return next(r for r in only(user, table).rows if r[key] == value)


def shown_secret(user: User) -> str:
    secret = only(user, "shown-secret").text
    assert secret, "no secret is shown"
    return secret


def acts(identity: IdentityService) -> list[tuple[str, str, str]]:
    return [(act.actor, act.action, act.target) for act in identity.admin_acts()]


async def test_an_admin_creates_an_operator_who_must_change_the_one_time_password(
    admin: User, identity: IdentityService
) -> None:
    admin.find(marker="new-user").click()
    admin.find(marker="new-username").type("oscar")
    admin.find(marker="new-display-name").type("Oscar Operator")
    only(admin, "role-select").value = ["operator", "claims-handler"]
    admin.find(marker="roles-save").click()
    await admin.should_see("oscar can log in")
    password = shown_secret(admin)
    principal = identity.authenticate("oscar", password)
    assert principal.roles == {"operator", "claims-handler"} and principal.must_change_password
    assert row(admin, "user-table", "username", "oscar")["source"] == "local"
    assert acts(identity)[0] == ("ada", "user.create", "oscar")
    assert password not in identity.admin_acts()[0].detail
    admin.find(marker="secret-done").click()
    assert only(admin, "shown-secret").text == ""  # the secret is not kept on the page


async def test_a_bad_username_is_refused_with_the_rule(
    admin: User, identity: IdentityService
) -> None:
    admin.find(marker="new-user").click()
    admin.find(marker="new-username").type("no spaces please")
    admin.find(marker="roles-save").click()
    await admin.should_see("Invalid username 'no spaces please'")
    assert [u.username for u in identity.list_users()] == ["ada", "ana", "mo"]
    assert acts(identity) == []


async def test_an_admin_gives_a_task_role_and_the_change_is_recorded(
    admin: User, identity: IdentityService
) -> None:
    admin.find(marker="user-table").trigger("roles", "mo")
    await admin.should_see("Roles of mo")
    assert only(admin, "role-select").value == ["manager"]
    only(admin, "role-select").value = ["manager", "underwriter"]
    admin.find(marker="roles-save").click()
    await admin.should_see("mo now has: manager, underwriter")
    assert identity.get_user("mo").roles == ("manager", "underwriter")
    assert row(admin, "user-table", "username", "mo")["roles"] == ["manager", "underwriter"]
    assert identity.admin_acts()[0].detail == "manager -> manager, underwriter"


async def test_an_admin_cannot_lock_themselves_out(admin: User, identity: IdentityService) -> None:
    admin.find(marker="user-table").trigger("roles", "ada")
    only(admin, "role-select").value = ["analyst"]
    admin.find(marker="roles-save").click()
    await admin.should_see("You cannot take the admin role from yourself")
    admin.find(marker="user-table").trigger("disable", "ada")
    admin.find(marker="confirm-yes").click()
    await admin.should_see("You cannot disable your own account")
    user = identity.get_user("ada")
    assert user.roles == ("admin",) and not user.disabled
    assert acts(identity) == []


async def test_disabling_asks_first_and_stops_logins_and_tokens_at_once(
    admin: User, identity: IdentityService
) -> None:
    token = identity.create_token("mo", "dashboards export")
    admin.find(marker="user-table").trigger("disable", "mo")
    await admin.should_see("Disable mo? Their logins and API tokens stop working at once")
    assert not identity.get_user("mo").disabled  # nothing happens before the confirmation
    admin.find(marker="confirm-yes").click()
    await admin.should_see("Disabled mo")
    assert row(admin, "user-table", "username", "mo")["status"] == "disabled"
    with pytest.raises(AuthenticationFailed):
        identity.authenticate("mo", MO_PASSWORD)
    with pytest.raises(TokenInvalid, match="disabled user"):
        identity.verify_token(token.secret)
    admin.find(marker="user-table").trigger("enable", "mo")
    await admin.should_see("Enabled mo")
    assert identity.authenticate("mo", MO_PASSWORD).username == "mo"
    assert [a[1] for a in acts(identity)] == ["user.enable", "user.disable"]


async def test_a_locked_out_user_is_shown_and_unlocked(
    admin: User, identity: IdentityService
) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            identity.authenticate("mo", "a wrong guess", "203.0.113.9")
    await admin.open("/admin")
    assert row(admin, "user-table", "username", "mo")["status"].startswith("locked until")
    admin.find(marker="user-table").trigger("unlock", "mo")
    await admin.should_see("Unlocked mo")
    assert row(admin, "user-table", "username", "mo")["status"] == "active"
    assert identity.authenticate("mo", MO_PASSWORD).username == "mo"
    assert acts(identity)[0] == ("ada", "user.unlock", "mo")


async def test_a_password_reset_is_confirmed_and_shows_a_one_time_password(
    admin: User, identity: IdentityService
) -> None:
    admin.find(marker="user-table").trigger("reset", "mo")
    await admin.should_see("Reset the password of mo?")
    admin.find(marker="confirm-yes").click()
    await admin.should_see("New password for mo")
    new_password = shown_secret(admin)
    with pytest.raises(AuthenticationFailed):
        identity.authenticate("mo", MO_PASSWORD)
    assert identity.authenticate("mo", new_password).must_change_password
    assert acts(identity)[0] == ("ada", "user.reset-password", "mo")


async def test_a_token_is_shown_once_and_its_revocation_takes_effect_at_once(
    admin: User, identity: IdentityService
) -> None:
    assert only(admin, "token-table").rows == []
    admin.find(marker="new-token").click()
    only(admin, "token-owner").value = "mo"
    admin.find(marker="token-name").type("nightly report")
    admin.find(marker="create-token").click()
    await admin.should_see("Token nightly report for mo")
    secret = shown_secret(admin)
    principal = identity.verify_token(secret)
    assert principal.username == "mo" and principal.can("dashboards.read")
    listed = row(admin, "token-table", "name", "nightly report")
    assert listed["owner"] == "mo" and listed["status"] == "active"
    assert secret not in str(only(admin, "token-table").rows)
    admin.find(marker="secret-done").click()

    admin.find(marker="token-table").trigger("revoke", principal.token_id)
    await admin.should_see(f"Revoke the token {principal.token_id}?")
    admin.find(marker="confirm-yes").click()
    await admin.should_see("it is refused from now on")
    with pytest.raises(TokenInvalid, match="revoked"):
        identity.verify_token(secret)
    assert row(admin, "token-table", "name", "nightly report")["status"].startswith("revoked")
    assert acts(identity)[:2] == [
        ("ada", "token.revoke", principal.token_id),
        ("ada", "token.create", principal.token_id),
    ]
    activity = only(admin, "act-table").rows
    assert [(r["actor"], r["action"]) for r in activity[:2]] == [
        ("ada", "token.revoke"),
        ("ada", "token.create"),
    ]


async def test_an_admin_who_lost_the_role_is_refused_on_the_open_page(
    admin: User, identity: IdentityService
) -> None:
    identity.set_roles("ada", ["analyst"])
    admin.find(marker="user-table").trigger("enable", "mo")
    await admin.should_see("You may no longer manage users and tokens")
    admin.find(marker="new-token").click()
    admin.find(marker="token-name").type("sneaky")
    admin.find(marker="create-token").click()
    await admin.should_see("You may no longer manage users and tokens")
    assert identity.list_tokens() == [] and acts(identity) == []


async def test_an_analyst_sees_neither_the_admin_entry_nor_the_page(
    user: User, identity: IdentityService
) -> None:
    for shown in ("nav-processes", "nav-designer", "nav-instances"):
        await user.should_see(marker=shown)
    for hidden in ("nav-admin", "nav-dashboards", "nav-tasks"):
        await user.should_not_see(marker=hidden)
    await user.open("/admin")
    await user.should_see("ana may not do this")
    await user.should_not_see(marker="new-user")


async def test_an_admin_sees_every_entry(admin: User) -> None:
    for entry in ("processes", "designer", "instances", "tasks", "dashboards", "admin"):
        await admin.should_see(marker=f"nav-{entry}")


async def test_the_page_with_many_users_and_tokens_opens_and_its_time_is_printed(
    admin: User, identity: IdentityService
) -> None:
    for number in range(300):
        identity.create_user(f"clerk{number:03}", roles=["operator", f"desk-{number % 7}"])
    for number in range(100):
        identity.create_token(f"clerk{number:03}", f"import {number}")
    started = time.perf_counter()
    await admin.open("/admin")
    await admin.should_see("Recent admin activity")
    elapsed_ms = (time.perf_counter() - started) * 1000
    print(f"\n/admin with 303 users and 100 tokens built in {elapsed_ms:.0f} ms")
    assert len(only(admin, "user-table").rows) == 303
    assert len(only(admin, "token-table").rows) == 100
    desks = [r for r in only(admin, "user-table").rows if "desk-3" in r["roles"]]
    assert len(desks) == 43
