"""What the aggregates remember of each instance between batches: where it (and each of its
parallel branches) is since when, its path so far and its open task (`analytics_instances`,
`analytics_tasks`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

PATH_KEPT = 64  # states of a path kept for display; the variant hash covers all of them


@dataclass
class TrackedTask:
    """The open task of an instance in a human state (a row of `analytics_tasks`; a branch's
    task lives in its `Visit`, which knows the task's id)."""

    state: str
    role: str
    original_role: str
    created_at: datetime
    claimed_at: datetime | None = None
    task_id: str | None = None


@dataclass
class Visit:
    """Where one parallel branch is since when (`state` None: just forked, nowhere yet)."""

    state: str | None
    entered_at: datetime
    task: TrackedTask | None = None

    def to_json(self) -> dict[str, Any]:
        task = self.task
        return {"state": self.state, "at": self.entered_at.isoformat(), "task": None
                if task is None else [task.state, task.role, task.original_role,
                                      task.created_at.isoformat(),
                                      task.claimed_at.isoformat() if task.claimed_at else None,
                                      task.task_id]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Visit:
        raw = data.get("task")
        task = None if raw is None else TrackedTask(
            raw[0], raw[1], raw[2], datetime.fromisoformat(raw[3]),
            datetime.fromisoformat(raw[4]) if raw[4] else None, raw[5])
        return cls(data["state"], datetime.fromisoformat(data["at"]), task)


@dataclass
class Tracked:
    """An instance as the aggregates follow it (a row of `analytics_instances`)."""

    key: str
    version: int
    state: str | None
    status: str
    started_at: datetime
    entered_at: datetime
    path_hash: str
    path: list[str]
    task: TrackedTask | None = None
    had_task: bool = False  # a task row was stored before this batch
    branches: dict[str, Visit] = field(default_factory=dict)

    def branches_json(self) -> dict[str, Any] | None:
        return {b: v.to_json() for b, v in self.branches.items()} or None

    def enter(self, state: str, at: datetime) -> None:
        self.state, self.entered_at = state, at
        self.path_hash = hashlib.sha256(f"{self.path_hash}/{state}".encode()).hexdigest()[:16]
        if len(self.path) < PATH_KEPT:
            self.path.append(state)
        elif self.path[-1] != "...":
            self.path.append("...")
