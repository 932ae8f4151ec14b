"""The Task inbox: my tasks and my roles' tasks, overdue first, live as tasks come and go.

What a user sees is what the task service lets the session's principal see; the buttons in a
row are only a convenience, every action is decided by the service (`TaskActions`). Variables
a definition marks `inbox: true` are columns (masked ones left out), and a user keeps the
current process filter and search as named saved views.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import ui

from designer.auth import WebAuth
from designer.components.inbox_views import SavedViewsBar
from designer.components.out_of_office import out_of_office_control
from designer.components.shell import page_frame
from designer.components.task_actions import WORK, TaskActions
from designer.components.task_delegate import delegate_dialog
from designer.components.task_live import follow_changes
from designer.components.task_table import add_countdown, columns_with, task_row, task_table
from designer.pages import task_detail
from runtime.people.tasks import queues
from runtime.people.tasks.inbox_columns import inbox_values
from runtime.security.identity import Principal
from shared.classification import CONFIDENTIAL

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
        with ui.row().classes("w-full items-center justify-between gap-2"):
            with ui.row().classes("items-center gap-4"):
                ui.label("Inbox").classes("text-2xl font-semibold")
                out_of_office_control(engine, auth.identity, auth.username)
            with ui.row().classes("items-center gap-2 max-sm:w-full"):
                self.definition = ui.select(
                    [d.key for d in engine.definitions()], label="Process", clearable=True
                ).props('dense outlined data-testid="task-process"').classes(
                    "w-48 max-sm:w-full").mark("task-process")
                self.search = ui.input(
                    placeholder="Search task, business key, variable, role…").props(
                    'dense outlined clearable debounce=300 data-testid="task-search"'
                    ' aria-label="Search the inbox"').classes("w-80 max-sm:w-full").mark(
                    "task-search")
                with self.search.add_slot("prepend"):
                    ui.icon("search")
        self.views = SavedViewsBar(engine, principal.username, self.filters, self.apply)
        self.search.on_value_change(self.refresh)
        self.definition.on_value_change(self.refresh)
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
        filters = self.filters()
        now = self.engine.clock.now()
        admin, confidential = principal.has_role("admin"), principal.can(CONFIDENTIAL)
        mine, offered = (
            query(self.engine, principal, filters.get("search"), SHOWN,
                  definition=filters.get("definition"), sees_confidential=confidential)
            for query in (queues.mine, queues.for_my_roles))
        shown = inbox_values(self.engine, (*mine.items, *offered.items), confidential)
        for table, page in ((self.mine, mine), (self.offered, offered)):
            table.columns = columns_with(shown.columns)
            table.rows = [task_row(t, principal.username, principal.roles, admin, now,
                                   shown.business_keys.get(t.instance_id),
                                   shown.values.get(t.instance_id))
                          for t in page.items]
            table.update()
        self.views.show_current(filters)
        self.mine_title.set_text(f"My tasks ({_count(mine.total, len(mine.items))})")
        self.roles_title.set_text(
            f"{self._roles_heading()}: {_count(offered.total, len(offered.items))}")
        self.shown_instances = {t.instance_id for t in (*mine.items, *offered.items)}

    def filters(self) -> dict[str, str]:
        """The filter and search as they are now: what a saved view keeps."""
        found = {"search": (self.search.value or "").strip(),
                 "definition": self.definition.value or ""}
        return {k: v for k, v in found.items() if v}

    def apply(self, filters: dict[str, str]) -> None:
        """Show the inbox as a saved view left it (each changed field refreshes it)."""
        definition = filters.get("definition")
        self.search.set_value(filters.get("search") or "")
        self.definition.set_value(definition if definition in self.definition.options else None)

    def _relevant(self, change: Change) -> bool:
        """A task was created or changed anywhere, or an instance on the page moved (which
        closes its task). Runs on the engine thread: reads nothing but the change."""
        return (any(t.startswith("task_") for t in change.event_types)
                or change.instance_id in self.shown_instances)


def _count(total: int, shown: int) -> str:
    return str(total) if total == shown else f"{shown} of {total}, most urgent first"
