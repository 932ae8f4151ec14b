"""Human tasks: the inbox of `human` states (SPEC §2, §4, §7), reached as `engine.tasks`."""

from runtime.people.tasks.errors import FormInvalid, OutcomeInvalid, TaskConflict, TaskForbidden
from runtime.people.tasks.model import Caller, Task, TaskPage
from runtime.people.tasks.service import HumanTasks

__all__ = ["Caller", "FormInvalid", "HumanTasks", "OutcomeInvalid", "Task", "TaskConflict",
           "TaskForbidden", "TaskPage"]
