"""What a write transaction has queued to write at its end, kept on its connection."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PENDING = "statewright_pending"


@dataclass
class PendingWrites:
    """Rows queued by `append` and `schedule_job`, written in a few multi-row statements."""

    events: list[dict[str, Any]] = field(default_factory=list)
    updates: dict[str, dict[str, Any]] = field(default_factory=dict)
    locked: dict[str, Any] = field(default_factory=dict)  # rows `lock_instances` read ahead
    jobs: list[dict[str, Any]] = field(default_factory=list)  # inserts `flush_jobs` writes
    finished: set[str] = field(default_factory=set)  # jobs `finish_leased_many` finished
