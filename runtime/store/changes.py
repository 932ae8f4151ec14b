"""Change notifications: who wants to know that an instance's log grew (live pages, inboxes).

`Engine.persist` stages one `Change` per instance on the write transaction's connection;
the group-commit writer hands the staged changes to `ChangeHub.publish` only after that
transaction committed, so a subscriber never hears of a change that was rolled back.
`publish` is also the seam for other processes: a PostgreSQL LISTEN/NOTIFY bridge would
decode each notification into a `Change` and call `publish` on its own engine's hub.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from sqlalchemy import Connection

log = logging.getLogger(__name__)

_STAGED = "statewright_changes"

Subscriber = Callable[["Change"], None]


@dataclass(frozen=True)
class Change:
    """One instance after a committed transaction: where it is now and what was appended."""

    instance_id: str
    definition: str
    version: int
    state: str | None
    status: str | None
    event_types: tuple[str, ...]
    seq: int


class ChangeHub:
    """Fans committed changes out to subscribers, on the thread that publishes them.

    Callbacks must be cheap (hand the change to another loop or queue); one that raises is
    logged and skipped, so it cannot break the engine or the other subscribers.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: tuple[Subscriber, ...] = ()

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call `callback` with every change from now on; returns the unsubscribe function."""
        with self._lock:
            self._subscribers = (*self._subscribers, callback)

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = tuple(s for s in self._subscribers if s is not callback)

        return unsubscribe

    def publish(self, changes: Iterable[Change]) -> None:
        subscribers = self._subscribers  # a snapshot: (un)subscribing during publish is safe
        if not subscribers:
            return
        for change in changes:
            for callback in subscribers:
                try:
                    callback(change)
                except Exception:
                    log.exception("change subscriber %r failed on %s", callback,
                                  change.instance_id)


def stage(conn: Connection, change: Change) -> None:
    """Remember `change` until the transaction on `conn` commits (merged per instance).

    Outside `collecting` (a transaction the writer does not publish for) this does nothing.
    """
    staged: dict[str, Change] | None = conn.info.get(_STAGED)
    if staged is None:
        return
    earlier = staged.get(change.instance_id)
    if earlier is not None:
        change = replace(change, event_types=earlier.event_types + change.event_types)
    staged[change.instance_id] = change


@contextmanager
def collecting(conn: Connection) -> Iterator[dict[str, Change]]:
    """Collect the changes staged on `conn` into the yielded dict (publish it after commit)."""
    staged: dict[str, Change] = {}
    conn.info[_STAGED] = staged
    try:
        yield staged
    finally:
        conn.info.pop(_STAGED, None)
