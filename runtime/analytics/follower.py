"""The dashboard aggregates follow the event log from a thread of their own.

Folding events in the transaction that appends them cost the single writer a fifth of its
time (a read of the instances' aggregate rows and a round of upserts per commit); here a
group commit hands its event rows, once committed, to a background thread that folds many
commits' events in one transaction a few times a second, where far fewer aggregate rows
change per event. An instance whose rows arrive with a gap before them (events another
process appended) has its missing events read from the log.

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
from collections import defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, bindparam, or_, select

from runtime.analytics import tables as a
from runtime.analytics.updater import AnalyticsUpdater, lock_folding
from runtime.store import schema as t
from runtime.store.base import Store
from runtime.store.writer import after_commit

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
_FOLDED = select(_ai.c.instance_id, _ai.c.folded_seq).where(
    _ai.c.instance_id.in_(bindparam("p_ids", expanding=True)))
_LAGGING = select(_i.c.id).select_from(
    _i.outerjoin(_ai, _ai.c.instance_id == _i.c.id)
).where(or_(_ai.c.instance_id.is_(None), _ai.c.folded_seq < _i.c.last_seq))


Row = Mapping[str, Any]


class AnalyticsFollower:
    """One per engine, hooked into its store's flush; `settle` is for the readers."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._updater = AnalyticsUpdater()
        self._pending: list[Row] = []
        self._lock = threading.Lock()  # guards _pending
        self._folding = threading.Lock()  # one fold at a time in this process
        self._wake = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None
        self._started = threading.Lock()

    def hook(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        """`Store.event_hooks`: a group commit's new event rows, handed over once committed.
        Rows appended outside the group-commit writer wait for the next `settle`."""
        after_commit(conn, lambda: self._handed(rows))

    def _handed(self, rows: list[Row]) -> None:
        with self._lock:
            self._pending.extend(rows)
        self._ensure_thread()
        self._wake.set()

    def settle(self) -> int:
        """Fold everything committed so far, by any process; returns the events folded."""
        with self._lock:
            self._pending.clear()  # the scan below finds them too
        with self._store.read() as conn:
            lagging = list(conn.execute(_LAGGING).scalars())
        return self._fold_from_log(lagging)

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
            left, self._pending = self._pending, []
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
                rows, self._pending = self._pending, []
            try:
                self._fold(rows)
            except Exception:
                log.exception("folding events into the dashboard aggregates failed; "
                              "the next settle retries")
            time.sleep(PAUSE_S)

    def _fold(self, rows: list[Row]) -> int:
        """Fold handed-over rows; an instance they do not continue is read from the log."""
        by_instance: defaultdict[str, list[Row]] = defaultdict(list)
        for row in rows:
            by_instance[row["instance_id"]].append(row)
        ids = sorted(by_instance)
        folded = 0
        with self._folding:
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start:start + CHUNK]
                with self._store.write() as conn:
                    lock_folding(conn)
                    done = dict(conn.execute(_FOLDED, {"p_ids": chunk}).all())
                    gaps = [iid for iid in chunk
                            if min(r["seq"] for r in by_instance[iid]) > done.get(iid, 0) + 1]
                    batch = [r for iid in chunk if iid not in gaps
                             for r in sorted(by_instance[iid], key=_seq)]
                    if gaps:
                        batch += conn.execute(_AHEAD, {"p_ids": gaps}).mappings().all()
                    self._updater.apply(conn, batch)
                    folded += len(batch)
        return folded

    def _fold_from_log(self, ids: list[str]) -> int:
        folded = 0
        with self._folding:
            for start in range(0, len(ids), CHUNK):
                with self._store.write() as conn:
                    lock_folding(conn)
                    rows = conn.execute(_AHEAD, {"p_ids": ids[start:start + CHUNK]}
                                        ).mappings().all()
                    self._updater.apply(conn, rows)
                    folded += len(rows)
        return folded


def _seq(row: Row) -> int:
    return row["seq"]
