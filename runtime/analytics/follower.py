"""The dashboard aggregates follow the event log from a thread of their own.

Folding events in the transaction that appends them cost the single writer a fifth of its
time (a read of the instances' aggregate rows and a round of upserts per commit); here a
commit only names its instances, and a background thread folds many commits' events in one
transaction a few times a second, where far fewer aggregate rows change per event.

Nothing is lost or counted twice: each instance's aggregate row records the last event
folded in (`folded_seq`), and folding skips what it already holds. `settle` folds every
instance whose log is ahead of its aggregates, whichever process appended the events, so
a dashboard read right after it is exact; it also runs once when the follower starts,
which picks up what a crashed process committed but did not fold.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, bindparam, or_, select

from runtime.analytics import tables as a
from runtime.analytics.updater import AnalyticsUpdater, lock_folding
from runtime.store import schema as t
from runtime.store.base import Store
from runtime.store.changes import Change

log = logging.getLogger("statewright.analytics")
PAUSE_S = 0.05  # between folds: commits gather meanwhile, so each fold takes many
CHUNK = 500  # instances per folding transaction

_e, _i, _ai = t.events, t.instances, a.instances
_AHEAD = select(_e.c.instance_id, _e.c.seq, _e.c.type, _e.c.data, _e.c.at).select_from(
    _e.outerjoin(_ai, _ai.c.instance_id == _e.c.instance_id)
).where(
    _e.c.instance_id.in_(bindparam("p_ids", expanding=True)),
    or_(_ai.c.folded_seq.is_(None), _e.c.seq > _ai.c.folded_seq),
).order_by(_e.c.instance_id, _e.c.seq)
_LAGGING = select(_i.c.id).select_from(
    _i.outerjoin(_ai, _ai.c.instance_id == _i.c.id)
).where(or_(_ai.c.instance_id.is_(None), _ai.c.folded_seq < _i.c.last_seq))


class AnalyticsFollower:
    """One per engine: `note` is the writer's after-commit call, `settle` the readers'."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._updater = AnalyticsUpdater()
        self._pending: set[str] = set()
        self._lock = threading.Lock()  # guards _pending
        self._folding = threading.Lock()  # one fold at a time in this process
        self._wake = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None
        self._started = threading.Lock()

    def note(self, changes: Iterable[Change]) -> None:
        """Remember the committed instances; the thread folds them shortly."""
        with self._lock:
            self._pending.update(c.instance_id for c in changes)
        self._ensure_thread()
        self._wake.set()

    def settle(self) -> int:
        """Fold everything committed so far, by any process; returns the events folded."""
        with self._lock:
            self._pending.clear()  # the scan below finds them too
        with self._store.read() as conn:
            lagging = list(conn.execute(_LAGGING).scalars())
        return self._fold(lagging)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read connection on aggregates that hold every event committed before it."""
        self.settle()
        with self._store.read() as conn:
            yield conn

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=10)
        with self._lock:
            left = sorted(self._pending)
            self._pending.clear()
        if left:
            self._fold(left)  # a clean stop leaves nothing behind

    def _ensure_thread(self) -> None:
        if self._thread is not None or self._closed:
            return
        with self._started:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, daemon=True,
                                                name="statewright-analytics")
                self._thread.start()

    def _loop(self) -> None:
        try:
            self.settle()  # what an earlier (crashed) process left unfolded
        except Exception:
            log.exception("catching up the dashboard aggregates failed")
        while not self._closed:
            self._wake.wait()
            self._wake.clear()
            if self._closed:
                return
            with self._lock:
                ids, self._pending = sorted(self._pending), set()
            try:
                self._fold(ids)
            except Exception:
                log.exception("folding events into the dashboard aggregates failed; "
                              "the next settle retries")
            time.sleep(PAUSE_S)

    def _fold(self, ids: list[str]) -> int:
        folded = 0
        with self._folding:
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start:start + CHUNK]
                with self._store.write() as conn:
                    lock_folding(conn)
                    rows = conn.execute(_AHEAD, {"p_ids": chunk}).mappings().all()
                    self._updater.apply(conn, rows)
                    folded += len(rows)
        return folded
