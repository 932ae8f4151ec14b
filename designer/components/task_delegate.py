"""The delegate dialog: hand a task to a named user or to another role.

Users are picked from the accounts (a typo cannot send a task to nobody); roles may be typed
freely, since a task role is any name some user holds or will hold.
"""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from runtime.security.identity import IdentityService
from runtime.security.identity.permissions import is_task_role

Delegate = Callable[[str, str | None, str | None], bool]


def known_people(identity: IdentityService) -> tuple[list[str], list[str]]:
    """(usernames of enabled accounts, task roles any account holds), sorted."""
    users = [u for u in identity.list_users() if not u.disabled]
    roles = {r for u in users for r in u.roles if is_task_role(r)}
    return sorted(u.username for u in users), sorted(roles)


def delegate_dialog(identity: IdentityService, delegate: Delegate) -> Callable[[str], None]:
    """Build the dialog once per page; the returned function opens it for a task id."""
    target = {"task": ""}
    with ui.dialog() as dialog, ui.card().classes("w-[28rem]"):
        title = ui.label().classes("text-lg font-semibold")
        kind = ui.toggle({"user": "To a user", "role": "To a role"}, value="user").mark(
            "delegate-kind").props('data-testid="delegate-kind"')
        user = ui.select([], label="User", with_input=True).classes("w-full").mark(
            "delegate-user").props('data-testid="delegate-user"')
        role = ui.select([], label="Role", with_input=True, new_value_mode="add-unique").classes(
            "w-full").mark("delegate-role").props('data-testid="delegate-role"')
        user.bind_visibility_from(kind, "value", value="user")
        role.bind_visibility_from(kind, "value", value="role")
        problem = ui.label().classes("text-negative text-sm").mark("delegate-problem")

        def send() -> None:
            chosen = user.value if kind.value == "user" else role.value
            if not chosen:
                problem.set_text(f"Pick a {kind.value} to delegate to")
                return
            to_user, to_role = (chosen, None) if kind.value == "user" else (None, chosen)
            if delegate(target["task"], to_user, to_role):
                dialog.close()

        with ui.row().classes("w-full justify-end"):
            ui.button("Cancel", on_click=dialog.close).props("flat")
            ui.button("Delegate", icon="forward_to_inbox", on_click=send).mark(
                "delegate-confirm").props('data-testid="delegate-confirm"')

    def open_for(task_id: str) -> None:
        users, roles = known_people(identity)
        target["task"] = task_id
        title.set_text(f"Delegate task {task_id}")
        user.set_options(users, value=None)
        role.set_options(roles, value=None)
        problem.set_text("")
        dialog.open()

    return open_for
