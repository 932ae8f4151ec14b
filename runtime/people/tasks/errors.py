"""The refusals of the task service; each maps onto a REST status through `EngineError`."""

from __future__ import annotations

from runtime.core.errors import EngineError


class TaskConflict(EngineError):
    """The task is not in a state that allows this (claimed by someone else, already done)."""

    code = "task-conflict"
    status = 409


class TaskForbidden(EngineError):
    """The caller holds neither the task's role nor its assignment (nor `admin`)."""

    code = "task-forbidden"
    status = 403


class FormInvalid(EngineError):
    """Completion data does not fit the task's form; `details["fields"]` names each problem."""

    code = "form-invalid"
    status = 422


class OutcomeInvalid(EngineError):
    """The completion outcome is not one of the events the task's state is left by."""

    code = "outcome-invalid"
    status = 422
