"""A human state's events sent to the instance obey its task: its assignee and its form.

`POST /instances/{id}/events` let an operator complete a task claimed by someone else and
skip its form's required fields, which `/tasks/{id}/complete` refuses. Now a task claimed by
another person is refused here (409 `task-event`), and the form's required fields must be in
the payload (422 `form-invalid`); an unclaimed task may still be decided by an operator, as
before. The operator's way past a task someone holds is the audited `move`, with a reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from runtime.core.errors import EventRefused, NotFound
from runtime.people.tasks.errors import FormInvalid

if TYPE_CHECKING:
    from runtime import Engine


class TaskEventRefused(EventRefused):
    """The event leaves a human state whose task another person holds."""

    code = "task-event"


def check_task_event(
    engine: Engine, instance_id: str, event: str, payload: dict[str, Any] | None, caller: str
) -> None:
    """Raise when `event` leaves the current human state against its task's rules."""
    try:
        instance = engine.get(instance_id)
    except NotFound:
        return  # `send` answers it
    if instance.state is None or instance.status != "running":
        return  # the engine's own refusal names why
    definition = engine.definition(instance.definition, instance.version)
    state = next((s for s in definition.states if s.id == instance.state), None)
    if state is None or state.type != "human":
        return
    outcomes = {t.on for t in definition.transitions if t.source == state.id}
    task = engine.tasks.open_task_of(instance_id)
    if event not in outcomes or task is None:
        return
    task_id, assignee = task
    if assignee is not None and assignee != caller:
        raise TaskEventRefused(
            f"{event!r} leaves the human state {state.id!r} of instance {instance_id}, whose "
            f"task {task_id} is claimed by {assignee!r}: only they complete it (POST "
            f"/api/v1/tasks/{task_id}/complete); an operator may `move` the instance with "
            "a reason.",
            {"state": state.id, "event": event, "task": task_id, "assignee": assignee,
             "accepted": [e for e in engine.accepted_events(instance_id) if e not in outcomes]},
        )
    given = payload or {}
    missing = [f.name for f in state.form or [] if f.required and given.get(f.name) in (None, "")]
    if missing:
        raise FormInvalid(
            f"the form of task {task_id} is not valid: "
            + "; ".join(f"{name}: required" for name in missing),
            {"task": task_id, "fields": {name: "required" for name in missing}},
        )
