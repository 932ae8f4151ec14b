"""Change notifications: who wants to know that an instance's log grew (live pages, inboxes).

`Ledger.persist` stages one `Change` per instance on the write transaction's connection;
the group-commit writer hands the staged changes to `ChangeHub.publish` only after that
transaction committed, so a subscriber never hears of a change that was rolled back.
Changes committed by other processes reach the same hub through a change feed
(`change_feed.py`): on PostgreSQL the transaction also NOTIFYs its changes (`collecting`
hands them to the announcer the store put on the connection); on SQLite a watch reads the
log's new rows. Subscribers cannot tell the sources apart.
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
_ANNOUNCE = "statewright_announce"

Subscriber = Callable[["Change"], None]
Announce = Callable[[Connection, list["Change"]], None]


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
    logged and skipped, so it cannot break the engine or the other subscribers. Feeds from
    other processes register with `when_subscribed`, so nothing watches until someone listens.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: tuple[Subscriber, ...] = ()
        self._starters: list[Callable[[], None]] = []
        self._delivered: Delivered | None = None

    @property
    def has_subscribers(self) -> bool:
        return bool(self._subscribers)

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call `callback` with every change from now on; returns the unsubscribe function."""
        with self._lock:
            self._subscribers = (*self._subscribers, callback)
            starters, self._starters = self._starters, []
        for start in starters:  # the first subscriber starts the feeds (once)
            start()

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = tuple(s for s in self._subscribers if s is not callback)

        return unsubscribe

    def when_subscribed(self, start: Callable[[], None]) -> None:
        """Call `start` (quick, non-blocking) at the first subscribe, or now if there is one."""
        with self._lock:
            if not self._subscribers:
                self._starters.append(start)
                return
        start()

    def track_deliveries(self) -> Delivered:
        """From now on deliver each (instance, seq) once, whichever source publishes it first."""
        with self._lock:
            if self._delivered is None:
                self._delivered = Delivered()
            return self._delivered

    def publish(self, changes: Iterable[Change]) -> None:
        delivered = self._delivered
        if delivered is not None:
            changes = delivered.fresh(changes)
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


class Delivered:
    """Per instance, the highest seq a hub delivered, over the last two rounds of a watch.

    A watch of the shared log (SQLite) reads every row committed since its last read, this
    process's own too: those its writer published already, or is about to publish (committed,
    not yet published). Whichever publishes an (instance, seq) first delivers it; the other is
    dropped. The watch calls `next_round()` just before each read, so an entry two rounds old
    is of a commit it has read past: that bounds the memory to a few hundred milliseconds of
    changes.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: dict[str, int] = {}
        self._previous: dict[str, int] = {}

    def seq(self, instance_id: str) -> int:
        """The highest seq delivered for the instance lately (0: none)."""
        return max(self._current.get(instance_id, 0), self._previous.get(instance_id, 0))

    def fresh(self, changes: Iterable[Change]) -> list[Change]:
        """The changes not delivered yet, recorded as delivered now."""
        fresh = []
        with self._lock:
            for change in changes:
                if change.seq > self.seq(change.instance_id):
                    self._current[change.instance_id] = change.seq
                    fresh.append(change)
        return fresh

    def next_round(self) -> None:
        with self._lock:
            self._previous, self._current = self._current, {}


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
def announcing(conn: Connection, announce: Announce) -> Iterator[None]:
    """While open, `collecting` on `conn` hands its changes to `announce` before commit.

    The store of a database other processes can hear (PostgreSQL: NOTIFY) opens this around
    each write transaction; what `announce` sends is rolled back with the transaction.
    """
    conn.info[_ANNOUNCE] = announce
    try:
        yield
    finally:
        conn.info.pop(_ANNOUNCE, None)


@contextmanager
def collecting(conn: Connection) -> Iterator[dict[str, Change]]:
    """Collect the changes staged on `conn` into the yielded dict (publish it after commit).

    When the unit of work succeeded they are also announced to other processes, once for
    the whole transaction, if the store set an announcer (`announcing`).
    """
    staged: dict[str, Change] = {}
    conn.info[_STAGED] = staged
    try:
        yield staged
        announce = conn.info.get(_ANNOUNCE)
        if staged and announce is not None:
            announce(conn, list(staged.values()))
    finally:
        conn.info.pop(_STAGED, None)
