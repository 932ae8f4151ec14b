"""Changes from other processes onto this engine's hub: the feed each dialect offers.

`serve` and `worker` are separate processes over one database, and so are several workers;
each engine's `ChangeHub` hears its own writer only. The feed adds what the others commit:
PostgreSQL NOTIFYs each transaction's changes and LISTENs (`pg_changes.py`), SQLite watches
the log (`sqlite_watch.py`). The announcing half (PostgreSQL) works from the engine's start,
as every process must tell the others; the hearing half starts at the hub's first
subscriber, or with `start()` (`serve` starts it at once).
"""

from __future__ import annotations

from typing import Protocol

from runtime.store.base import Store
from runtime.store.changes import ChangeHub


class ChangeFeed(Protocol):
    def start(self) -> None:
        """Begin hearing other processes' changes (non-blocking, idempotent)."""

    def wait_ready(self, timeout_s: float) -> bool:
        """Wait until changes committed from now on will be heard; False on timeout."""

    def close(self) -> None:
        """Stop hearing and announcing."""


class NoFeed:
    """A database no other process can share (in-memory SQLite): nothing to hear."""

    def start(self) -> None:
        pass

    def wait_ready(self, timeout_s: float) -> bool:
        return True

    def close(self) -> None:
        pass


def open_change_feed(store: Store, hub: ChangeHub, origin: str) -> ChangeFeed:
    """The feed for `store`'s database; `origin` names this engine in what it announces."""
    if store.dialect == "postgresql":
        from runtime.store.pg_changes import PostgresChangeFeed
        from runtime.store.postgres import PostgresStore

        assert isinstance(store, PostgresStore)
        return PostgresChangeFeed(store, hub, origin)
    if store.dialect == "sqlite" and store.sql.url.database not in (None, "", ":memory:"):
        from runtime.store.sqlite_watch import SqliteWatch

        return SqliteWatch(store, hub)
    return NoFeed()
