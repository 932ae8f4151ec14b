"""The task read model, the task event names, and who may do what with a task."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from runtime.core.clock import from_db
from runtime.people.tasks.tables import OPEN, PRIORITIES

TASK_CREATED = "task_created"
TASK_CLAIMED = "task_claimed"
TASK_UNCLAIMED = "task_unclaimed"
TASK_DELEGATED = "task_delegated"
TASK_COMPLETED = "task_completed"
TASK_ESCALATED = "task_escalated"
ADMIN = "admin"


def priority_rank(priority: str) -> int:
    return PRIORITIES.index(priority) if priority in PRIORITIES else 1


def raised(priority: str) -> str:
    """One step more urgent (escalation); `urgent` stays `urgent`."""
    return PRIORITIES[min(priority_rank(priority) + 1, len(PRIORITIES) - 1)]


@dataclass(frozen=True)
class Caller:
    """Who acts on a task: a `Principal` (`username`) or an API `Actor` (`name`), with roles."""

    name: str
    roles: frozenset[str]

    @classmethod
    def of(cls, who: Any) -> Caller:
        if isinstance(who, Caller):
            return who
        name = getattr(who, "username", None) or getattr(who, "name", None)
        if not name:
            raise TypeError(f"{who!r} names no user (it needs .username or .name)")
        return cls(name, frozenset(getattr(who, "roles", ()) or ()))

    @property
    def admin(self) -> bool:
        return ADMIN in self.roles

    def sees(self, row: Any) -> bool:
        """Admins, holders of the task's role and its assignee (a delegate) see a task."""
        return self.admin or row.role in self.roles or row.assignee == self.name


@dataclass(frozen=True)
class Task:
    id: str
    instance_id: str
    definition: str
    version: int
    human_state: str
    name: str
    state: str  # open | claimed | completed | cancelled
    role: str
    original_role: str
    assignee: str | None
    delegated_by: str | None
    priority: str
    overdue: bool
    escalated: bool
    allow_delegation: bool
    form: list[dict[str, Any]]
    outcomes: list[str]
    due_at: datetime | None
    created_at: datetime | None
    claimed_at: datetime | None
    completed_at: datetime | None
    completed_by: str | None
    outcome: str | None

    @classmethod
    def from_row(cls, row: Any, now: datetime | None = None) -> Task:
        due = from_db(row.due_at)
        state = "claimed" if row.status == OPEN and row.assignee else row.status
        late = bool(row.overdue) or (row.status == OPEN and due is not None and now is not None
                                     and due <= now)
        return cls(
            id=row.id, instance_id=row.instance_id, definition=row.definition_key,
            version=row.version, human_state=row.state_id, name=row.name or row.state_id,
            state=state, role=row.role, original_role=row.original_role, assignee=row.assignee,
            delegated_by=row.delegated_by, priority=row.priority, overdue=late,
            escalated=bool(row.escalated), allow_delegation=bool(row.allow_delegation),
            form=list(row.form or []), outcomes=list(row.outcomes or []), due_at=due,
            created_at=from_db(row.created_at), claimed_at=from_db(row.claimed_at),
            completed_at=from_db(row.completed_at), completed_by=row.completed_by,
            outcome=row.outcome)

    def to_json(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        for key in ("due_at", "created_at", "claimed_at", "completed_at"):
            out[key] = out[key].isoformat() if out[key] else None
        return out


@dataclass(frozen=True)
class TaskPage:
    items: list[Task]
    total: int
    limit: int
    offset: int
