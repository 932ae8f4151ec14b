"""Periodic work a `Runner` runs beside its jobs, given to it by the engine (alert
evaluation), so the runner needs to know nothing of what the work is."""

from __future__ import annotations

import logging
import threading
from typing import Protocol

log = logging.getLogger("statewright.runner")


class PeriodicWork(Protocol):
    """Something to call every `every_s` seconds; it must be safe when several processes
    call it (each piece of work takes its own turn or is idempotent)."""

    name: str
    every_s: float

    def run_once(self) -> object: ...


class Periodic:
    """A background thread calling `work.run_once()` every `work.every_s` until `stop`."""

    def __init__(self, work: PeriodicWork) -> None:
        self.work = work
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Periodic:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, daemon=True,
                                            name=f"statewright-{self.work.name}")
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
                self.work.run_once()
            except Exception:
                log.exception("%s failed; trying again in %.1f s", self.work.name,
                              self.work.every_s)
            self._stop.wait(self.work.every_s)
