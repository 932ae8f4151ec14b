"""Dialogs of the Admin page: show a secret once, pick roles (asking before a destructive
act is `designer.components.confirm`)."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from runtime.security.identity import BUILTIN_ROLES

ROLE_HINT = (
    "admin, analyst, operator, manager, auditor, or type any other name for a task role "
    "(its holders work the human tasks assigned to it)"
)


class SecretDialog:
    """Shows a one-time password or token once, with a copy button; closing forgets it."""

    def __init__(self) -> None:
        with ui.dialog().props("persistent") as self.dialog, ui.card().classes("w-[32rem] gap-3"):
            self.title = ui.label().classes("text-lg font-semibold")
            self.note = ui.label().classes("text-sm text-slate-600")
            with ui.row().classes("w-full items-center gap-2 rounded bg-slate-100 p-3 no-wrap"):
                self.secret = ui.label().classes("font-mono text-sm break-all flex-1")
                self.secret.props('data-testid="shown-secret"').mark("shown-secret")
                ui.button(icon="content_copy", on_click=self._copy).props(
                    'flat dense aria-label="Copy" data-testid="copy-secret"'
                ).tooltip("Copy")
            with ui.row().classes("w-full justify-end"):
                ui.button("I have stored it", on_click=self._forget).props(
                    'data-testid="secret-done"'
                ).mark("secret-done")

    def show(self, title: str, note: str, secret: str) -> None:
        self.title.set_text(title)
        self.note.set_text(note)
        self.secret.set_text(secret)
        self.dialog.open()

    def _copy(self) -> None:
        ui.clipboard.write(self.secret.text)
        ui.notify("Copied to the clipboard")

    def _forget(self) -> None:
        self.secret.set_text("")
        self.dialog.close()


class RolesDialog:
    """Picks roles as chips (built-in ones offered, task roles typed freely); for a new
    user it also asks the username and display name."""

    def __init__(self) -> None:
        self._on_save: Callable[[], None] = lambda: None
        with ui.dialog() as self.dialog, ui.card().classes("w-[28rem] gap-3"):
            self.title = ui.label().classes("text-lg font-semibold")
            self.username = ui.input("Username", placeholder="maria.lopez").classes("w-full")
            self.username.props('data-testid="new-username"').mark("new-username")
            self.display_name = ui.input("Display name", placeholder="Maria Lopez")
            self.display_name.classes("w-full").mark("new-display-name")
            self.roles = (
                ui.select(
                    list(BUILTIN_ROLES),
                    label="Roles",
                    multiple=True,
                    with_input=True,
                    new_value_mode="add-unique",
                )
                .classes("w-full")
                .props('use-chips data-testid="role-select"')
                .mark("role-select")
            )
            ui.label(ROLE_HINT).classes("text-xs text-slate-600")
            with ui.row().classes("w-full justify-end"):
                ui.button("Cancel", on_click=self.dialog.close).props("flat")
                self.save = ui.button(on_click=lambda: self._on_save())
                self.save.props('data-testid="roles-save"').mark("roles-save")

    def ask_new_user(
        self, options: list[str], on_save: Callable[[str, str, list[str]], None]
    ) -> None:
        self.title.set_text("New user")
        self.username.value = ""
        self.display_name.value = ""
        for field in (self.username, self.display_name):
            field.set_visibility(True)
        self._open(options, [], "Create user")
        self._on_save = lambda: on_save(
            (self.username.value or "").strip(),
            (self.display_name.value or "").strip(),
            list(self.roles.value or []),
        )

    def ask_roles(
        self,
        username: str,
        current: list[str],
        options: list[str],
        on_save: Callable[[str, list[str]], None],
    ) -> None:
        self.title.set_text(f"Roles of {username}")
        for field in (self.username, self.display_name):
            field.set_visibility(False)
        self._open(options, current, "Save roles")
        self._on_save = lambda: on_save(username, list(self.roles.value or []))

    def close(self) -> None:
        self.dialog.close()

    def _open(self, options: list[str], current: list[str], button: str) -> None:
        self.roles.set_options(sorted(set(options) | set(current), key=options_order(options)))
        self.roles.value = current
        self.save.set_text(button)
        self.dialog.open()


def options_order(options: list[str]) -> Callable[[str], tuple[int, str]]:
    """Known options in their given order, anything else after them alphabetically."""
    position = {option: index for index, option in enumerate(options)}
    return lambda role: (position.get(role, len(options)), role)
