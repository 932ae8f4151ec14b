"""Jobs handed straight to this process's runner when the transaction creating them commits.

A transition into a task state inserts its job already leased to the local runner and, once
committed, puts it on the runner's queue with the instance's variables: no lease transaction,
no poll, no read before the action runs. The database stays the truth: the completion checks
the lease and the state visit in its own transaction, and a job whose runner died is taken
over when its lease runs out (or at once by a restarted process on the same host).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class LocalJob:
    """A job row as the runner needs it, plus what it would otherwise read."""

    id: str
    instance_id: str
    kind: str
    payload: dict[str, Any]
    definition: str
    version: int
    variables: dict[str, Any] = field(default_factory=dict)
    attempt: int = 1


class Dispatch(Protocol):
    """The local runner's intake."""

    def accepts(self) -> bool:
        """True while the runner has room (else the job is left for any runner to lease)."""
        ...

    def put(self, job: LocalJob) -> None: ...
