"""The runner's compliance duties: signed checkpoints to a directory outside the database,
and retention, each on its own period. Both are off unless their directory is configured:

- `STATEWRIGHT_CHECKPOINT_DIR`: write `checkpoint-<UTC time>.json` there every
  `STATEWRIGHT_CHECKPOINT_EVERY_S` seconds (default 3600);
- `STATEWRIGHT_ARCHIVE_DIR`: apply retention every `STATEWRIGHT_RETENTION_EVERY_S` seconds
  (default 3600), archives written there.

Both need `STATEWRIGHT_SIGNING_KEY`; without a usable one the duties do not run and say why
at ERROR level once.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from runtime.instances import Ledger
from runtime.security import checkpoints
from runtime.security.retention import purge
from runtime.security.signing import SigningKeyInvalid, signing_key_from_environment

log = logging.getLogger("statewright.audit")


def _seconds(name: str) -> float:
    value = os.environ.get(name, "3600")
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0
    if seconds <= 0:
        log.error("%s=%r is not a positive number of seconds; using 3600", name, value)
        return 3600.0
    return seconds


class Witness:
    """A background thread doing the due duties until `stop`."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        checkpoint_dir = os.environ.get("STATEWRIGHT_CHECKPOINT_DIR")
        archive_dir = os.environ.get("STATEWRIGHT_ARCHIVE_DIR")
        self.duties: list[tuple[float, Callable[[Ed25519PrivateKey], object]]] = []
        if checkpoint_dir:
            self.duties.append((_seconds("STATEWRIGHT_CHECKPOINT_EVERY_S"),
                                lambda key: self.checkpoint(key, Path(checkpoint_dir))))
        if archive_dir:
            self.duties.append((_seconds("STATEWRIGHT_RETENTION_EVERY_S"),
                                lambda key: self.retention(key, Path(archive_dir))))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if not self.duties or self._thread is not None:
            return
        try:
            key = signing_key_from_environment()
        except SigningKeyInvalid as exc:
            log.error("no checkpoints nor retention: %s", exc.message)
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, args=(key,),
                                        name="statewright-witness", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)
            self._thread = None

    def checkpoint(self, key: Ed25519PrivateKey, directory: Path) -> Path:
        now = self.ledger.clock.now()
        path = directory / f"checkpoint-{now.strftime('%Y%m%dT%H%M%S.%fZ')}.json"
        checkpoints.write(checkpoints.take(self.ledger.store, key, now), path)
        return path

    def retention(self, key: Ed25519PrivateKey, directory: Path) -> purge.RetentionRun:
        return purge.run(self.ledger.store, key, directory, self.ledger.clock.now())

    def _loop(self, key: Ed25519PrivateKey) -> None:
        next_at = [time.monotonic()] * len(self.duties)
        while not self._stop.is_set():
            for n, (every_s, duty) in enumerate(self.duties):
                if time.monotonic() >= next_at[n]:
                    next_at[n] = time.monotonic() + every_s
                    try:
                        duty(key)
                    except Exception:
                        log.exception("audit duty failed; next try in %.0f s", every_s)
            self._stop.wait(max(0.05, min(next_at) - time.monotonic()))
