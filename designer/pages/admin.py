"""The Admin page: users and their roles, API tokens, and the record of admin acts.

Every act asks the server again whether the admin may still manage users (roles may change
while the page is open), is refused with a sentence rather than a traceback, and is
recorded with the acting admin as the actor. Secrets (one-time passwords, tokens) are shown
once in a dialog and cleared when it closes; only their hashes are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from nicegui import ui

from designer.admin_rows import act_rows, role_options, token_rows, user_rows
from designer.auth import WebAuth
from designer.components.admin_dialogs import RolesDialog, SecretDialog
from designer.components.confirm import ConfirmDialog
from designer.components.empty_state import calm_when_empty
from designer.components.shell import page_frame
from designer.components.table_cards import cards_on_phones
from runtime.security.identity import BUILTIN_ROLES, IdentityError
from runtime.security.identity.passwords import generate_password
from runtime.security.identity.permissions import ADMIN

if TYPE_CHECKING:
    from runtime import Engine

ADMIN_USERS = "admin.users"
TOKEN_LIFETIMES_S: dict[str, int | None] = {
    "never": None,
    "30 days": 30 * 86400,
    "90 days": 90 * 86400,
    "1 year": 365 * 86400,
}

USER_COLUMNS = [
    {"name": "username", "label": "User", "field": "username", "align": "left", "sortable": True},
    {"name": "roles", "label": "Roles", "field": "roles", "align": "left"},
    {"name": "source", "label": "Source", "field": "source", "align": "left"},
    {"name": "status", "label": "Status", "field": "status", "align": "left"},
    {"name": "last_login", "label": "Last login", "field": "last_login", "align": "left"},
    {"name": "actions", "label": "", "field": "username", "align": "right"},
]
TOKEN_COLUMNS = [
    {"name": "name", "label": "Name", "field": "name", "align": "left"},
    {"name": "owner", "label": "Owner", "field": "owner", "align": "left", "sortable": True},
    {"name": "token_id", "label": "Id", "field": "token_id", "align": "left"},
    {"name": "created", "label": "Created", "field": "created", "align": "left"},
    {"name": "last_used", "label": "Last used", "field": "last_used", "align": "left"},
    {"name": "expires", "label": "Expires", "field": "expires", "align": "left"},
    {"name": "status", "label": "Status", "field": "status", "align": "left"},
    {"name": "actions", "label": "", "field": "token_id", "align": "right"},
]
ACT_COLUMNS = [
    {"name": "at", "label": "When", "field": "at", "align": "left"},
    {"name": "actor", "label": "By", "field": "actor", "align": "left"},
    {"name": "action", "label": "Act", "field": "action", "align": "left"},
    {"name": "target", "label": "On", "field": "target", "align": "left"},
    {"name": "detail", "label": "Detail", "field": "detail", "align": "left"},
]


def _button(
    event: str, icon: str, tip: str, key: str, condition: str = "", colour: str = ""
) -> str:
    """A small table-row button that emits `event` with the row's `key` field."""
    shown = f'v-if="{condition}" ' if condition else ""
    coloured = f'color="{colour}" ' if colour else ""
    return (
        f'<q-btn {shown}{coloured}flat dense size="sm" icon="{icon}" aria-label="{tip}" '
        f":data-testid=\"'{event}-' + props.row.{key}\" "
        f"@click=\"() => $parent.$emit('{event}', props.row.{key})\">"
        f"<q-tooltip>{tip}</q-tooltip></q-btn>"
    )


USER_ACTIONS_SLOT = (
    '<q-td :props="props" class="whitespace-nowrap">'
    + _button("roles", "badge", "Edit roles", "username")
    + _button("reset", "password", "Reset password", "username", "props.row.source == 'local'")
    + _button("unlock", "lock_open", "Unlock", "username", "props.row.locked")
    + _button("disable", "person_off", "Disable", "username", "!props.row.disabled", "negative")
    + _button("enable", "person", "Enable", "username", "props.row.disabled", "positive")
    + "</q-td>"
)
ROLES_SLOT = (
    '<q-td :props="props" :data-label="props.col.label">'
    '<q-chip v-for="role in props.row.roles" :key="role" dense square '
    f":color=\"{list(BUILTIN_ROLES)}.includes(role) ? 'blue-1' : 'amber-1'\" "
    'text-color="grey-9">{{ role }}</q-chip>'
    '<span v-if="!props.row.roles.length" class="text-slate-500">no roles</span></q-td>'
)
STATUS_SLOT = (
    '<q-td :props="props" :data-label="props.col.label"><q-badge '
    ":color=\"props.row.disabled ? 'red-9' : props.row.locked ? 'deep-orange-10' : 'green-9'\">"
    "{{ props.value }}</q-badge></q-td>"
)
TOKEN_ACTIONS_SLOT = (
    '<q-td :props="props">'
    + _button("revoke", "key_off", "Revoke now", "token_id", "props.row.active", "negative")
    + "</q-td>"
)


def _card_header(title: str, subtitle: str) -> ui.row:
    header = ui.row().classes("w-full items-center justify-between")
    with header, ui.column().classes("gap-0"):
        ui.label(title).classes("text-lg font-semibold")
        ui.label(subtitle).classes("text-sm text-slate-600")
    return header


class AdminPage:
    """The page body for one admin's browser tab."""

    def __init__(self, engine: Engine, auth: WebAuth) -> None:
        self.engine = engine
        self.auth = auth
        self.identity = auth.identity
        self.confirm = ConfirmDialog()
        self.secret = SecretDialog()
        self.role_dialog = RolesDialog()

    def build(self) -> None:
        with ui.row().classes("w-full items-center justify-between"):
            ui.label("Admin").classes("text-2xl font-semibold")
            ui.link("Messaging: subscriptions and dead letters", "/admin/messaging").props(
                'data-testid="messaging-link"')
        with ui.card().classes("w-full gap-3"):
            with _card_header("Users", "Accounts, their roles and whether they may log in"):
                ui.button("New user", icon="person_add", on_click=self.new_user).props(
                    'data-testid="new-user"'
                ).mark("new-user")
            self.users = ui.table(columns=USER_COLUMNS, rows=[], row_key="username")
            self.users.classes("w-full").props('flat bordered data-testid="user-table"').mark(
                "user-table"
            )
            cards_on_phones(self.users)
            self.users.add_slot("body-cell-roles", ROLES_SLOT)
            self.users.add_slot("body-cell-status", STATUS_SLOT)
            self.users.add_slot("body-cell-actions", USER_ACTIONS_SLOT)
            self.users.on("roles", lambda e: self.edit_roles(str(e.args)))
            self.users.on("reset", lambda e: self.reset_password(str(e.args)))
            self.users.on("unlock", lambda e: self.unlock(str(e.args)))
            self.users.on("disable", lambda e: self.disable(str(e.args)))
            self.users.on("enable", lambda e: self.enable(str(e.args)))
        with ui.card().classes("w-full gap-3"):
            with _card_header("API tokens", "Bearer tokens for the REST API; only hashes are kept"):
                ui.button("New token", icon="key", on_click=self.new_token).props(
                    'data-testid="new-token"'
                ).mark("new-token")
            self.tokens = ui.table(columns=TOKEN_COLUMNS, rows=[], row_key="token_id")
            self.tokens.classes("w-full").props(
                'flat bordered data-testid="token-table"'
            ).mark("token-table")
            calm_when_empty(self.tokens, "No API tokens yet. A token made with New token "
                                         "appears here; its secret is shown only once.")
            cards_on_phones(self.tokens)
            self.tokens.add_slot("body-cell-actions", TOKEN_ACTIONS_SLOT)
            self.tokens.on("revoke", lambda e: self.revoke(str(e.args)))
        with ui.card().classes("w-full gap-3"):
            _card_header(
                "Recent admin activity", "Who changed which account or token, newest first"
            )
            self.acts = ui.table(columns=ACT_COLUMNS, rows=[], row_key="key")
            self.acts.classes("w-full").props(
                'flat bordered dense data-testid="act-table"'
            ).mark("act-table")
            calm_when_empty(self.acts, "No admin acts yet. Changes to accounts and tokens "
                                       "are listed here, newest first.")
        self.refresh()

    def refresh(self) -> None:
        now = self.engine.clock.now()
        away = {a.username: a for a in self.engine.tasks.absences()}
        self.users.rows = user_rows(self.identity.list_users(), now, away)
        self.tokens.rows = token_rows(self.identity.list_tokens(), now)
        self.acts.rows = act_rows(self.identity.admin_acts())
        for table in (self.users, self.tokens, self.acts):
            table.update()

    # -- acting -------------------------------------------------------------------------

    def _act(self, act: Callable[[str], str]) -> None:
        """Run `act(admin username)` if the admin still may manage users; it returns the
        confirmation to show. Refusals of the identity layer are shown as they are."""
        admin = self.auth.allowed(ADMIN_USERS, "manage users and tokens")
        if admin is None:
            return
        try:
            done = act(admin.username)
        except (IdentityError, ValueError) as error:
            ui.notify(str(error), type="negative", multi_line=True)
            return
        ui.notify(done, type="positive")
        self.refresh()

    def _record(self, actor: str, action: str, target: str, detail: str = "") -> None:
        self.identity.record_admin_act(actor, action, target, detail)

    def new_user(self) -> None:
        users = self.identity.list_users()
        self.role_dialog.ask_new_user(role_options(users), self.create_user)

    def create_user(self, username: str, display_name: str, roles: list[str]) -> None:
        def act(admin: str) -> str:
            password = generate_password()
            self.identity.create_user(
                username,
                password=password,
                roles=roles,
                display_name=display_name,
                must_change_password=True,
            )
            self._record(admin, "user.create", username, f"roles: {', '.join(sorted(roles))}")
            self.role_dialog.close()
            self.secret.show(
                f"{username} can log in",
                f"Give {username} this one-time password; they must change it at first "
                "login. It is shown only now.",
                password,
            )
            return f"Created {username}"

        self._act(act)

    def edit_roles(self, username: str) -> None:
        users = self.identity.list_users()
        current = next((u.roles for u in users if u.username == username), ())
        self.role_dialog.ask_roles(username, list(current), role_options(users), self.set_roles)

    def set_roles(self, username: str, roles: list[str]) -> None:
        def act(admin: str) -> str:
            if username == admin and ADMIN not in roles:
                raise ValueError("You cannot take the admin role from yourself; ask another admin.")
            before = self.identity.get_user(username).roles
            after = self.identity.set_roles(username, roles).roles
            self._record(
                admin,
                "user.roles",
                username,
                f"{', '.join(before) or '-'} -> {', '.join(after) or '-'}",
            )
            self.role_dialog.close()
            return f"{username} now has: {', '.join(after) or 'no roles'}"

        self._act(act)

    def reset_password(self, username: str) -> None:
        def act(admin: str) -> str:
            password = generate_password()
            self.identity.change_password(username, password, temporary=True)
            self._record(admin, "user.reset-password", username)
            self.secret.show(
                f"New password for {username}",
                f"The old password no longer works. Give {username} this one-time password; "
                "they must change it at next login. It is shown only now.",
                password,
            )
            return f"Reset the password of {username}"

        self.confirm.ask(
            f"Reset the password of {username}? Their current password stops working at once.",
            "Reset password",
            lambda: self._act(act),
        )

    def unlock(self, username: str) -> None:
        def act(admin: str) -> str:
            self.identity.unlock(username)
            self._record(admin, "user.unlock", username)
            return f"Unlocked {username}"

        self._act(act)

    def disable(self, username: str) -> None:
        def act(admin: str) -> str:
            if username == admin:
                raise ValueError("You cannot disable your own account; ask another admin.")
            self.identity.disable(username)
            self._record(admin, "user.disable", username)
            return f"Disabled {username}"

        self.confirm.ask(
            f"Disable {username}? Their logins and API tokens stop working at once "
            "(nothing is deleted; you can enable them again).",
            "Disable",
            lambda: self._act(act),
        )

    def enable(self, username: str) -> None:
        def act(admin: str) -> str:
            self.identity.enable(username)
            self._record(admin, "user.enable", username)
            return f"Enabled {username}"

        self._act(act)

    def new_token(self) -> None:
        owners = [user.username for user in self.identity.list_users() if not user.disabled]
        with ui.dialog() as dialog, ui.card().classes("w-96 gap-3"):
            ui.label("New API token").classes("text-lg font-semibold")
            owner = ui.select(owners, label="Owner", value=self.auth.username()).classes("w-full")
            owner.mark("token-owner")
            name = ui.input("Name", placeholder="ci-deploy").classes("w-full").mark("token-name")
            name.props('data-testid="token-name"')
            lifetime = ui.select(list(TOKEN_LIFETIMES_S), label="Expires after", value="90 days")
            lifetime.classes("w-full").mark("token-lifetime")

            def create() -> None:
                def act(admin: str) -> str:
                    token = self.identity.create_token(
                        owner.value or "", name.value or "", TOKEN_LIFETIMES_S[lifetime.value]
                    )
                    self._record(
                        admin, "token.create", token.token_id, f"{name.value} for {owner.value}"
                    )
                    dialog.close()
                    self.secret.show(
                        f"Token {name.value} for {owner.value}",
                        "Use it as `Authorization: Bearer <token>`. It is shown only now; "
                        "if it is lost, revoke it and create another.",
                        token.secret,
                    )
                    return f"Created the token {name.value}"

                self._act(act)

            with ui.row().classes("w-full justify-end"):
                ui.button("Cancel", on_click=dialog.close).props("flat")
                ui.button("Create token", on_click=create).props('data-testid="create-token"').mark(
                    "create-token"
                )
        dialog.on("hide", dialog.delete)
        dialog.open()

    def revoke(self, token_id: str) -> None:
        def act(admin: str) -> str:
            self.identity.revoke_token(token_id)
            self._record(admin, "token.revoke", token_id)
            return f"Revoked the token {token_id}; it is refused from now on"

        self.confirm.ask(
            f"Revoke the token {token_id}? Every program using it is refused from the next call.",
            "Revoke",
            lambda: self._act(act),
        )


def register(engine: Engine, auth: WebAuth) -> None:
    @ui.page("/admin")
    def page() -> None:
        with page_frame("Admin", user=auth.username()):
            if auth.require(ADMIN_USERS, "/admin") is None:
                return
            AdminPage(engine, auth).build()
