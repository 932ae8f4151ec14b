"""Claim, unclaim and delegate from a web page, with the service's refusals said plainly.

Every action re-reads the user's roles (`WebAuth.principal`) and passes that principal to the
task service, which decides; the page only reports the answer. A lost claim race is a
warning naming who has the task, not an error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from nicegui import ui

from designer.auth import WebAuth
from runtime.core.errors import EngineError, NotFound
from runtime.people.tasks import TaskConflict, TaskForbidden
from runtime.security.identity import Principal

if TYPE_CHECKING:
    from runtime import Engine

WORK = "tasks.work"


class TaskActions:
    """The task service's writes for the logged-in user; `changed()` runs after each success."""

    def __init__(self, engine: Engine, auth: WebAuth, changed: Callable[[], None]) -> None:
        self.engine = engine
        self.auth = auth
        self.changed = changed

    def worker(self) -> Principal | None:
        """The user, if they may still work tasks (roles may have changed since page load)."""
        principal = self.auth.principal()
        if principal is None or not principal.can(WORK):
            ui.notify("You may no longer work tasks; log in again", type="negative")
            return None
        return principal

    def claim(self, task_id: str) -> bool:
        return self._run(task_id, "Claimed", lambda p: self.engine.tasks.claim(task_id, p))

    def unclaim(self, task_id: str) -> bool:
        return self._run(task_id, "Gave back",
                         lambda p: self.engine.tasks.unclaim(task_id, p))

    def delegate(self, task_id: str, to_user: str | None, to_role: str | None) -> bool:
        return self._run(task_id, f"Delegated to {to_user or to_role}",
                         lambda p: self.engine.tasks.delegate(task_id, p, to_user=to_user,
                                                              to_role=to_role))

    def _run(self, task_id: str, done: str, act: Callable[[Principal], object]) -> bool:
        principal = self.worker()
        if principal is None:
            return False
        try:
            act(principal)
        except EngineError as refusal:
            report(refusal)
            self.changed()  # the list shows who has the task now
            return False
        ui.notify(f"{done}: task {task_id}", type="positive")
        self.changed()
        return True


def report(refusal: EngineError) -> None:
    """Tell the user why the task service said no, in its own words."""
    if isinstance(refusal, TaskConflict):
        ui.notify(f"Not possible any more: {refusal.message}", type="warning", multi_line=True,
                  timeout=8000)
    elif isinstance(refusal, TaskForbidden | NotFound):
        ui.notify(refusal.message, type="negative", multi_line=True)
    else:
        ui.notify(f"Refused: {refusal.message}", type="negative", multi_line=True)
