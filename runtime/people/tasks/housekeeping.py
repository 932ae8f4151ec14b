"""The periodic work of human tasks, run by every `Runner`: the SLA sweep and notification
delivery. Both are idempotent and read their due times from the store, so several runners
may share a database and a restart misses nothing that fell due while none ran."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Protocol

from runtime.instances import Ledger
from runtime.people.notifications import deliver_due
from runtime.people.tasks.service import HumanTasks

if TYPE_CHECKING:
    from runtime.observability.tracing import Tracing

log = logging.getLogger("statewright.tasks")
EVERY_S = 5.0


class TaskHost(Protocol):
    ledger: Ledger
    tasks: HumanTasks
    tracing: Tracing | None


def run_once(engine: TaskHost) -> tuple[int, int]:
    """One round: (tasks newly overdue, notifications delivered)."""
    tracing = engine.tracing
    return engine.tasks.sweep(), deliver_due(
        engine.ledger, trace_headers=None if tracing is None else tracing.task_headers)


class Housekeeping:
    """A background thread calling `run_once` every `every_s` seconds until `stop`."""

    def __init__(self, engine: TaskHost, every_s: float = EVERY_S) -> None:
        self.engine = engine
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Housekeeping:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="statewright-tasks",
                                            daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                run_once(self.engine)
            except Exception:
                log.exception("task housekeeping failed; trying again in %.1f s", self.every_s)
            self._stop.wait(self.every_s)
