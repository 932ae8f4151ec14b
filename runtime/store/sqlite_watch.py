"""The SQLite change feed: a cheap watch on the log for rows other connections committed.

SQLite has no NOTIFY, and the processes sharing a database file share nothing else. The
log is append-only and SQLite lets one writer commit at a time, so the events table's
`rowid` grows in commit order: the watch keeps the highest rowid it has read. Every
`poll_s` it asks `PRAGMA data_version`, which changes only when another connection
committed (a read of the database header, no table touched); only then it reads, in one
snapshot, the event rows past its mark and the `instances` rows they belong to, and
publishes one `Change` per instance. Its own process's rows are among them: the hub tracks
what it delivered (`changes.Delivered`), so those are skipped before any instance is read,
and one the writer has committed but not yet published is delivered once, by whichever
comes first. Nothing is written: the writers pay nothing for the watch.

Idle, a poll costs one pragma on a connection held for the purpose: the watch alone
measured 0.07 % of a core (`docs/runtime.md`). It starts at the hub's first subscriber (or
with `serve`), so the CLI and workers nobody watches through pay nothing either.
A VACUUM renumbers rowids only where rows were deleted (events never are); if the mark
ever runs past the table's highest rowid the watch starts over from there.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from runtime.store.base import Store
from runtime.store.changes import Change, ChangeHub, Delivered

POLL_S = 0.25
_IDS_PER_QUERY = 500  # SQLite's default limit is 999 bound parameters per statement
log = logging.getLogger("statewright.changes")


class SqliteWatch:
    """Publishes on `hub` the changes other connections commit to the database of `store`."""

    def __init__(self, store: Store, hub: ChangeHub, poll_s: float = POLL_S) -> None:
        self._store = store
        self._hub = hub
        self._poll_s = poll_s
        self._delivered: Delivered | None = None  # tracked from the watch's start on
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._mark: int | None = None  # highest events.rowid read
        hub.when_subscribed(self.start)

    def start(self) -> None:
        """Start watching (non-blocking; `wait_ready` tells when the first mark is taken)."""
        with self._lock:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="statewright-watch")
                self._thread.start()

    def wait_ready(self, timeout_s: float) -> bool:
        return self._ready.wait(timeout_s)

    def close(self) -> None:
        with self._lock:
            self._stop.set()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn = self._store.sql.raw_connection()
                try:
                    self._watch(conn.cursor())
                finally:
                    conn.close()
            except Exception:  # the watch must outlive a bad moment of the database
                log.exception("watching the log for other processes' changes failed; "
                              "retrying in 5 s")
                self._stop.wait(5)

    def _watch(self, cursor: Any) -> None:
        seen = _data_version(cursor)
        if self._mark is None:
            # before the mark: what the writer publishes from here on is remembered until
            # the watch has read past it (each round of `_read` forgets older entries)
            self._delivered = self._hub.track_deliveries()
            self._mark = _top(cursor)
        else:  # back after a failure: catch up at once
            self._publish(self._read(cursor))
        self._ready.set()
        while not self._stop.wait(self._poll_s):
            version = _data_version(cursor)
            if version != seen:
                seen = version
                self._publish(self._read(cursor))

    def _publish(self, changes: list[Change]) -> None:
        if changes:
            self._hub.publish(changes)

    def _read(self, cursor: Any) -> list[Change]:
        """The changes of the rows past the mark not delivered yet, read in one snapshot."""
        assert self._delivered is not None
        self._delivered.next_round()  # before the snapshot: see `changes.Delivered`
        mark = self._mark or 0
        cursor.execute("BEGIN")
        try:
            top = _top(cursor)
            if top < mark:
                log.warning("the events table's rowids went back (%d < %d): watching from "
                            "%d", top, mark, top)
            if top <= mark or not self._hub.has_subscribers:
                self._mark = top
                return []
            appended: dict[str, list[str]] = {}
            delivered = self._delivered.seq
            for instance_id, seq, type_ in cursor.execute(
                    "SELECT instance_id, seq, type FROM events WHERE rowid > ? AND rowid <= ?"
                    " ORDER BY rowid", (mark, top)):
                if seq > delivered(instance_id):
                    appended.setdefault(instance_id, []).append(type_)
            rows = _instance_rows(cursor, list(appended))
        finally:
            cursor.execute("COMMIT")
        self._mark = top
        return [Change(iid, definition, version, state, status, tuple(appended[iid]), seq)
                for iid, definition, version, state, status, seq in rows]


def _data_version(cursor: Any) -> int:
    return cursor.execute("PRAGMA data_version").fetchone()[0]


def _top(cursor: Any) -> int:
    return cursor.execute("SELECT max(rowid) FROM events").fetchone()[0] or 0


def _instance_rows(cursor: Any, ids: list[str]) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(ids), _IDS_PER_QUERY):
        chunk = ids[start:start + _IDS_PER_QUERY]
        rows += cursor.execute(
            "SELECT id, definition_key, version, state, status, last_seq FROM instances "
            f"WHERE id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
    return rows
