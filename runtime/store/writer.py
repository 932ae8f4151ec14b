"""Group commit: one writer thread runs queued units of work, many per transaction.

A caller's `submit` returns only after the transaction holding its work committed, so a
returned `send` is durable; concurrent callers share one commit (one fsync on SQLite).
A unit of work raises `EngineError` only before it writes anything (`ConcurrencyError` is
the exception), so such an error is that caller's answer and the batch goes on. Any other
failure rolls the batch back and each unit is re-run in a transaction of its own, so one
bad unit cannot fail its neighbours. The changes a transaction staged (`runtime/store/changes.py`)
go to `on_commit` after it committed, before any caller is answered, and so do the
callbacks a unit registered with `after_commit` (the runner's local hand-off of new jobs).
`submit_async` queues a unit without waiting for it, so a runner can go on to its next job
while its completion joins the next group commit.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection

from runtime.core.errors import ConcurrencyError, EngineError
from runtime.store import Store
from runtime.store.changes import Change, collecting

T = TypeVar("T")
log = logging.getLogger("statewright.writer")
Work = Callable[[Connection], Any]
Lease = tuple[str, str]  # (job id, worker): a job the unit finishes if still leased
Item = tuple[Work, Future[Any], str | None, Lease | None]
OnCommit = Callable[[Iterable[Change]], None]
MAX_BATCH = 256
_AFTER_COMMIT = "statewright_after_commit"


def after_commit(conn: Connection, callback: Callable[[], None]) -> bool:
    """Run `callback` once the writer transaction on `conn` committed; False (and nothing
    is registered) when `conn` is not a writer transaction."""
    callbacks: list[Callable[[], None]] | None = conn.info.get(_AFTER_COMMIT)
    if callbacks is None:
        return False
    callbacks.append(callback)
    return True


@contextmanager
def _after_commit_scope(conn: Connection) -> Iterator[list[Callable[[], None]]]:
    """The list `after_commit` fills while a writer transaction runs on `conn`."""
    callbacks: list[Callable[[], None]] = []
    conn.info[_AFTER_COMMIT] = callbacks
    try:
        yield callbacks
    finally:
        conn.info.pop(_AFTER_COMMIT, None)


class GroupCommitWriter:
    def __init__(self, store: Store, max_batch: int = MAX_BATCH,
                 on_commit: OnCommit | None = None) -> None:
        self._store = store
        self._on_commit = on_commit
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[Item | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, work: Callable[[Connection], T], instance_id: str | None = None) -> T:
        """Run `work` in a write transaction; returns its result once that transaction committed.

        `instance_id` names the instance `work` will lock: a batch reads all of them at once.
        """
        if threading.current_thread() is self._thread:
            with (self._store.write() as conn, collecting(conn) as staged,
                  _after_commit_scope(conn) as callbacks):
                result = work(conn)  # already on the writer: run inline
            self._committed(staged, callbacks)
            return result
        return self.submit_async(work, instance_id).result()

    def submit_async(self, work: Callable[[Connection], T], instance_id: str | None = None,
                     finishes: Lease | None = None) -> Future[T]:
        """Queue `work`; the future resolves once its transaction committed (or it failed).

        `finishes=(job id, worker)`: the unit completes that job; a batch finishes all such
        jobs still leased to their worker in one statement before its units run.
        """
        future: Future[T] = Future()
        self._ensure_thread()
        self._queue.put((work, future, instance_id, finishes))
        return future

    def close(self) -> None:
        with self._lock:
            self._closed = True
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=10)

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._closed:
                raise EngineError("the engine is closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="statewright-writer",
                                                daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            batch = [item]
            while len(batch) < self._max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)
                    break
                batch.append(more)
            self._run_batch(batch)

    def _run_batch(self, batch: list[Item]) -> None:
        outcomes: list[tuple[bool, Any]] = []
        try:
            with (self._store.write() as conn, collecting(conn) as staged,
                  _after_commit_scope(conn) as callbacks):
                self._store.lock_instances(conn, [iid for _, _, iid, _ in batch if iid])
                self._finish_jobs(conn, [lease for *_, lease in batch if lease])
                for work, *_ in batch:
                    try:
                        outcomes.append((True, work(conn)))
                    except ConcurrencyError:
                        raise
                    except EngineError as exc:
                        outcomes.append((False, exc))
        except Exception as exc:
            if len(batch) == 1:
                _resolve(batch[0][1], False, exc)
            else:
                for item in batch:
                    self._run_batch([item])
            return
        self._committed(staged, callbacks)
        for (_, future, *_), (ok, value) in zip(batch, outcomes, strict=True):
            _resolve(future, ok, value)

    def _finish_jobs(self, conn: Connection, leases: list[Lease]) -> None:
        by_worker: dict[str, list[str]] = {}
        for job_id, worker in leases:
            by_worker.setdefault(worker, []).append(job_id)
        for worker, job_ids in by_worker.items():
            self._store.finish_leased_many(conn, job_ids, worker)

    def _committed(self, staged: dict[str, Change], callbacks: list[Callable[[], None]]
                   ) -> None:
        if staged and self._on_commit is not None:
            self._on_commit(staged.values())
        for callback in callbacks:
            try:
                callback()
            except Exception:
                log.exception("an after-commit callback failed")


def _resolve(future: Future[Any], ok: bool, value: Any) -> None:
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)
