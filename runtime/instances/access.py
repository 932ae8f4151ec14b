"""`InstanceAccess`: the part of the ledger that services call, as a structural type.

Both the `Ledger` and the `Engine` (which forwards to its ledger) satisfy it, so operator
acts, queries and notification settings take either without importing the engine.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

from sqlalchemy import Connection

from runtime.core import step as steps
from runtime.core.clock import Clock
from runtime.core.events import Event
from runtime.core.views import Instance, InstancePage
from runtime.security.sealing import Sealer
from runtime.store.base import Store
from runtime.store.writer import GroupCommitWriter
from shared.definition import Definition


class InstanceAccess(Protocol):
    store: Store
    writer: GroupCommitWriter
    clock: Clock
    sealer: Sealer
    worker_id: str
    lease_s: float
    job_scheduled: threading.Event

    def definition_in(self, conn: Connection, key: str, version: int) -> Definition: ...

    def unsealed(self, row: Any) -> steps.Snapshot: ...

    def persist(self, conn: Connection, before: steps.Snapshot, result: steps.StepResult,
                actor: str | None, row: Any = None) -> None: ...

    def get(self, instance_id: str) -> Instance: ...

    def history(self, instance_id: str) -> list[Event]: ...

    def list_instances(self, definition: str | None = None, status: str | None = None,
                       state: str | None = None, business_key: str | None = None,
                       version: int | None = None, limit: int = 50, offset: int = 0
                       ) -> InstancePage: ...
