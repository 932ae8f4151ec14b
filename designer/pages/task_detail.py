"""One task, `/tasks/{id}`: its form, its outcomes, and its instance's context beside it.

The task service decides everything: whether the user may open the task at all (a task of
another role reads as "not in your inbox", whether it exists or not), who may claim it, and
whether the form data fits (each field's message shown under it). The status part follows
the instance live, so a colleague's claim or a completion elsewhere shows without reload;
the form itself is never rebuilt, so nothing typed is lost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import run, ui

from designer.auth import WebAuth
from designer.components.outcome_buttons import outcome_buttons, transition_labels
from designer.components.shell import page_frame
from designer.components.task_actions import WORK, TaskActions, report
from designer.components.task_context import instance_context
from designer.components.task_delegate import delegate_dialog
from designer.components.task_form import TaskForm
from designer.components.task_live import follow_changes
from designer.components.task_table import PRIORITY_COLOURS, add_countdown, countdown
from designer.components.toasts import notify_success
from runtime.core.errors import EngineError, NotFound
from runtime.people.tasks import FormInvalid, Task, TaskForbidden
from runtime.security.identity import Principal
from shared.classification import CONFIDENTIAL, hidden_names

if TYPE_CHECKING:
    from runtime import Engine


def status_text(task: Task, me: str) -> str:
    """Where the task stands, from the viewer's side."""
    if task.state == "completed":
        return f"Completed by {task.completed_by or 'someone'} with {task.outcome}."
    if task.state == "cancelled":
        return "Cancelled: the instance left this step another way."
    if task.assignee == me:
        via = f" (delegated by {task.delegated_by})" if task.delegated_by else ""
        return f"Claimed by you{via}: fill in the form and choose an outcome."
    if task.assignee:
        return f"Claimed by {task.assignee}."
    return f"Open for {task.role}: claim it to work on it."


def register(engine: Engine, auth: WebAuth) -> None:
    @ui.page("/tasks/{task_id}")
    def page(task_id: str) -> None:
        with page_frame("Inbox", user=auth.username(), title="Task"):
            principal = auth.require(WORK, f"/tasks/{task_id}")
            if principal is None:
                return
            try:
                task = engine.tasks.get(task_id, principal)
            except (NotFound, TaskForbidden):
                _not_in_inbox(task_id)
                return
            TaskPage(engine, auth, principal, task)


def _not_in_inbox(task_id: str) -> None:
    with ui.card().classes("w-full items-center py-10").mark("task-missing"):
        ui.icon("search_off").classes("text-5xl text-slate-500")
        ui.label(f"Task {task_id} is not in your inbox").classes("text-xl font-semibold")
        ui.label("It does not exist, or it is for a role you do not hold.").classes(
            "text-slate-600")
        ui.link("Back to the inbox", "/tasks")


class TaskPage:
    def __init__(self, engine: Engine, auth: WebAuth, principal: Principal, task: Task) -> None:
        self.engine = engine
        self.auth = auth
        self.task = task
        self.principal = principal
        self.me = principal.username
        self.admin = principal.has_role("admin")
        self.actions = TaskActions(engine, auth, self.reload)
        self.delegate = delegate_dialog(auth.identity, self.actions.delegate)
        add_countdown(engine.clock.now())
        with ui.row().classes("w-full items-center gap-3"):
            ui.button(icon="arrow_back", on_click=lambda: ui.navigate.to("/tasks")).props(
                'flat round dense aria-label="Back to the inbox"').tooltip("Back to the inbox")
            ui.label(task.name).classes("text-2xl font-semibold").mark("task-title")
            ui.badge(task.priority, color=PRIORITY_COLOURS.get(task.priority)).mark(
                "task-priority")
        self.status()
        definition = engine.definition(task.definition, task.version)
        with ui.row().classes("w-full items-start gap-4 flex-nowrap max-lg:flex-wrap"):
            with ui.card().classes("flex-1 min-w-[22rem] gap-3"):
                ui.label("Form").classes("text-base font-semibold")
                variables = engine.get(task.instance_id).variables
                self.form = TaskForm(task.form, variables,
                                     hidden_names(definition, principal.can(CONFIDENTIAL)))
                with ui.row().classes("w-full gap-2 pt-2").mark("outcomes"):
                    self.outcomes = outcome_buttons(
                        task.outcomes, transition_labels(definition, task.human_state),
                        self.complete)
            with ui.column().classes("w-[26rem] max-lg:w-full gap-4"):
                self.context()
        self.enable_outcomes()
        follow_changes(engine, lambda c: c.instance_id == task.instance_id, self.reload)

    @ui.refreshable_method
    def status(self) -> None:
        task, now = self.task, self.engine.clock.now()
        open_ = task.state in ("open", "claimed")
        tone = "bg-blue-50 border-blue-200" if open_ else "bg-slate-50 border-slate-200"
        with ui.card().classes(f"w-full border {tone}").props("flat").mark("task-status"):
            with ui.row().classes("w-full items-center gap-4"):
                ui.label(status_text(task, self.me)).classes("font-medium").mark(
                    "task-status-text")
                ui.space()
                if task.due_at and open_:
                    due = ui.label(countdown(task.due_at, now)).mark("task-due")
                    due.props(f'data-due="{task.due_at.isoformat()}"')
                    if task.overdue:
                        due.classes("text-red-600 font-semibold")
                if open_:
                    self._buttons(task)
            with ui.row().classes("gap-4 text-sm text-slate-600"):
                ui.label(f"Process: {task.definition} v{task.version}")
                ui.label(f"State: {task.human_state}")
                ui.label(f"Role: {task.role}" + (
                    f" (was {task.original_role})" if task.role != task.original_role else ""))
                if task.escalated:
                    ui.label("escalated").classes("text-red-600")
            if task.state == "completed":
                inst = self.engine.get(task.instance_id)
                ui.label(f"The instance moved on: it is now {inst.status} in state "
                         f"{inst.state}.").mark("task-done")
                ui.link("Back to the inbox", "/tasks")

    @ui.refreshable_method
    def context(self) -> None:
        instance_context(self.engine, self.task, self.principal.can(CONFIDENTIAL))

    def _buttons(self, task: Task) -> None:
        mine, offered = task.assignee == self.me, self.admin or task.role in self.principal.roles
        if task.assignee is None and offered:
            ui.button("Claim", icon="pan_tool", on_click=lambda: self.actions.claim(task.id)
                      ).props('data-testid="claim"').mark("claim")
        if mine or (self.admin and task.assignee):
            ui.button("Unclaim", icon="undo", on_click=lambda: self.actions.unclaim(task.id)
                      ).props('flat data-testid="unclaim"').mark("unclaim")
        if task.allow_delegation and (mine or self.admin or (task.assignee is None and offered)):
            ui.button("Delegate", icon="forward_to_inbox",
                      on_click=lambda: self.delegate(task.id)).props(
                'flat data-testid="delegate"').mark("delegate")

    def reload(self) -> None:
        """Re-read the task (the service checks the user still may see it)."""
        principal = self.auth.principal()
        if principal is None or not principal.can(WORK):
            ui.navigate.to(f"/tasks/{self.task.id}")  # the page itself says why
            return
        self.principal, self.admin = principal, principal.has_role("admin")
        try:
            self.task = self.engine.tasks.get(self.task.id, principal)
        except (NotFound, TaskForbidden):
            ui.notify("This task is no longer in your inbox", type="warning")
            ui.navigate.to("/tasks")
            return
        self.status.refresh()
        self.context.refresh()
        self.enable_outcomes()

    def enable_outcomes(self) -> None:
        """Outcomes work for the assignee (or an admin) of an open task; the service checks.
        A finished task's form stays readable but can no longer be edited."""
        ready = self.task.state == "claimed" and (self.task.assignee == self.me or self.admin)
        for button in self.outcomes:
            button.set_enabled(ready)
        self.form.set_enabled(self.task.state in ("open", "claimed"))

    async def complete(self, outcome: str) -> None:
        """Off the event loop: completing moves the instance, which may evaluate guards."""
        principal = self.actions.worker()
        if principal is None:
            return
        values, problems = self.form.data()
        if problems:
            self.form.show_errors(problems)
            return
        try:
            await run.io_bound(self.engine.tasks.complete, self.task.id, principal, outcome, values)
        except FormInvalid as invalid:
            self.form.show_errors(invalid.details.get("fields", {}))
            ui.notify("Some fields need attention", type="warning")
            return
        except EngineError as refusal:
            report(refusal)
            self.reload()
            return
        self.form.show_errors({})
        notify_success(f"Completed with {outcome}")
        self.reload()
