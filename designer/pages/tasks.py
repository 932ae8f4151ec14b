"""The Task inbox: my tasks and my roles' tasks, overdue first, live as tasks come and go.

What a user sees is what the task service lets the session's principal see; the buttons in a
row are only a convenience, every action is decided by the service (`TaskActions`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import ui

from designer.auth import WebAuth
from designer.components.out_of_office import out_of_office_control
from designer.components.shell import page_frame
from designer.components.task_actions import WORK, TaskActions
from designer.components.task_delegate import delegate_dialog
from designer.components.task_live import follow_changes
from designer.components.task_table import add_countdown, task_row, task_table
from designer.pages import task_detail
from runtime.people.tasks import queues
from runtime.security.identity import Principal

if TYPE_CHECKING:
    from runtime import Engine
    from runtime.store.changes import Change

SHOWN = 200


def register(engine: Engine, auth: WebAuth) -> None:
    task_detail.register(engine, auth)

    @ui.page("/tasks")
    def page() -> None:
        with page_frame("Inbox", user=auth.username()):
            principal = auth.require(WORK, "/tasks")
            if principal is None:
                return
            Inbox(engine, auth, principal)


class Inbox:
    """The two queues and the search box of one open inbox page."""

    def __init__(self, engine: Engine, auth: WebAuth, principal: Principal) -> None:
        self.engine = engine
        self.auth = auth
        self.principal = principal
        self.shown_instances: set[str] = set()
        self.actions = TaskActions(engine, auth, self.refresh)
        delegate = delegate_dialog(auth.identity, self.actions.delegate)
        handlers = {"claim": self.actions.claim, "unclaim": self.actions.unclaim,
                    "delegate": delegate}
        add_countdown(engine.clock.now())
        with ui.row().classes("w-full items-center justify-between"):
            with ui.row().classes("items-center gap-4"):
                ui.label("Inbox").classes("text-2xl font-semibold")
                out_of_office_control(engine, auth.identity, auth.username)
            self.search = ui.input(placeholder="Search task, process, instance, role…").props(
                'dense outlined clearable debounce=300 data-testid="task-search"').classes(
                "w-80").mark("task-search")
            with self.search.add_slot("prepend"):
                ui.icon("search")
        self.search.on_value_change(self.refresh)
        self.mine_title, self.mine = self._queue("My tasks", "my-tasks", handlers)
        self.roles_title, self.offered = self._queue(self._roles_heading(), "role-tasks",
                                                     handlers)
        self.refresh()
        follow_changes(engine, self._relevant, self.refresh)

    def _queue(self, title: str, marker: str, handlers: dict) -> tuple[ui.label, ui.table]:
        with ui.card().classes("w-full gap-2"):
            heading = ui.label(title).classes("text-lg font-semibold").mark(f"{marker}-title")
            return heading, task_table(marker, handlers)

    def _roles_heading(self) -> str:
        if self.principal.has_role("admin"):
            return "Every role's tasks"
        roles = ", ".join(sorted(self.principal.task_roles)) or "no task roles"
        return f"My roles' tasks ({roles})"

    def refresh(self) -> None:
        """Re-read both queues as the user is now (roles re-read from the identity store)."""
        principal = self.auth.principal()
        if principal is None or not principal.can(WORK):
            ui.navigate.to("/tasks")  # the page itself says why
            return
        self.principal = principal
        search = self.search.value or None
        now = self.engine.clock.now()
        admin = principal.has_role("admin")
        mine = queues.mine(self.engine, principal, search, SHOWN)
        offered = queues.for_my_roles(self.engine, principal, search, SHOWN)
        for table, page in ((self.mine, mine), (self.offered, offered)):
            table.rows = [task_row(t, principal.username, principal.roles, admin, now)
                          for t in page.items]
            table.update()
        self.mine_title.set_text(f"My tasks ({_count(mine.total, len(mine.items))})")
        self.roles_title.set_text(
            f"{self._roles_heading()}: {_count(offered.total, len(offered.items))}")
        self.shown_instances = {t.instance_id for t in (*mine.items, *offered.items)}

    def _relevant(self, change: Change) -> bool:
        """A task was created or changed anywhere, or an instance on the page moved (which
        closes its task). Runs on the engine thread: reads nothing but the change."""
        return (any(t.startswith("task_") for t in change.event_types)
                or change.instance_id in self.shown_instances)


def _count(total: int, shown: int) -> str:
    return str(total) if total == shown else f"{shown} of {total}, most urgent first"
