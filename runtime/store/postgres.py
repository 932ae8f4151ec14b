"""PostgreSQL through psycopg 3: row locks for instances, `SKIP LOCKED` for leasing jobs.

Several `serve`/`worker` processes share one database; `FOR UPDATE SKIP LOCKED` lets each
claim different due jobs without waiting on one another. One listener thread per store holds
one connection that LISTENs on every channel the process asked for: `statewright_jobs`
wakes its runners as soon as another process schedules due work (polling remains the
fallback), and the change feed (`pg_changes.py`) hears the changes other processes commit.
Channels are database-wide, so outside the `public` schema their names carry the schema
(`channel_for`): deployments (or test runs) in two schemas of one database do not wake
each other's runners nor move each other's pages.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import Connection, Select, create_engine
from sqlalchemy import Engine as SqlEngine
from sqlalchemy.engine import URL

from runtime.store.base import Store
from runtime.store.changes import Announce, announcing
from runtime.store.json_codec import dumps
from runtime.store.pools import pool_settings

JOBS_CHANNEL = "statewright_jobs"
LISTEN_WAKE_S = 1.0  # at the latest, the idle listener notices new channels and close
log = logging.getLogger("statewright.store")

Handler = Callable[[str], None]


def channel_for(name: str, schema: str) -> str:
    """Channel `name` of the deployment in `schema` (at most 63 bytes, PostgreSQL's limit)."""
    if schema == "public":
        return name
    scoped = f"{name}:{schema}"
    if len(scoped.encode()) > 63:
        scoped = f"{name}:{hashlib.sha256(schema.encode()).hexdigest()[:24]}"
    return scoped


class PostgresStore(Store):
    dialect = "postgresql"

    def __init__(self, sql_engine: SqlEngine, display_url: str, conninfo: str) -> None:
        super().__init__(sql_engine, display_url)
        self._conninfo = conninfo
        self._listener: threading.Thread | None = None
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._handlers: dict[str, Handler] = {}
        self._ready: dict[str, threading.Event] = {}
        # a channel of this store alone: a notification on it wakes the listener at once
        self._wake = f"statewright_wake_{uuid.uuid4().hex[:12]}"
        self.announce: Announce | None = None  # set by the change feed: NOTIFY each change
        self._schema: str | None = None
        self._jobs: str | None = None

    @contextmanager
    def write(self) -> Iterator[Connection]:
        announce = self.announce
        with super().write() as conn:
            if announce is None:
                yield conn
                return
            with announcing(conn, announce):
                yield conn

    def channel(self, name: str) -> str:
        """The name of channel `name` for this store's schema (looked up once)."""
        if self._schema is None:
            with self.sql.connect() as conn:
                self._schema = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
        return channel_for(name, self._schema)

    def jobs_due(self, conn: Connection) -> None:
        # on this schema's channel; delivered at commit, once however often it is sent
        conn.exec_driver_sql("SELECT pg_notify(%s, '')", (self._jobs_channel(),))

    def listen_for_jobs(self, wake: threading.Event) -> None:
        self.listen(self._jobs_channel(), lambda _payload: wake.set())

    def _jobs_channel(self) -> str:
        if self._jobs is None:
            self._jobs = self.channel(JOBS_CHANNEL)
        return self._jobs

    def listen(self, channel: str, handler: Handler) -> threading.Event:
        """Call `handler(payload)` on the listener thread for each notification on `channel`.

        Returns an event set once the LISTEN is in effect (a running listener is woken to
        issue it); notifications sent before that are not heard.
        """
        with self._lock:
            self._handlers[channel] = handler
            new = channel not in self._ready
            ready = self._ready.setdefault(channel, threading.Event())
            running = self._listener is not None
            if not running and not self._closed.is_set():
                self._ready.setdefault(self._wake, threading.Event())
                self._listener = threading.Thread(target=self._listen, daemon=True,
                                                  name="statewright-listen")
                self._listener.start()
        if new and running:
            self._wake_listener()
        return ready

    def unlisten(self, channel: str) -> None:
        """Stop calling the handler of `channel` (the LISTEN itself stays until close)."""
        with self._lock:
            self._handlers.pop(channel, None)

    def close(self) -> None:
        self._closed.set()
        if self._listener is not None:
            self._wake_listener()
            self._listener.join(timeout=5)
        super().close()

    def _wake_listener(self) -> None:
        try:
            with self.sql.connect() as conn:
                conn.exec_driver_sql("SELECT pg_notify(%s, '')", (self._wake,))
                conn.commit()
        except Exception as exc:  # it wakes by itself within LISTEN_WAKE_S
            log.debug("could not wake the listener: %s", exc)

    def _listen(self) -> None:
        while not self._closed.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as conn:
                    listening: set[str] = set()
                    while not self._closed.is_set():
                        self._listen_to_new_channels(conn, listening)
                        for notify in conn.notifies(timeout=LISTEN_WAKE_S):
                            if notify.channel == self._wake:
                                break  # a new channel to listen on, or close
                            self._dispatch(notify.channel, notify.payload)
            except psycopg.Error as exc:
                log.warning("LISTEN failed (%s); runners poll and live pages miss other "
                            "processes' changes until it is back", exc)
                with self._lock:
                    for ready in self._ready.values():
                        ready.clear()
                self._closed.wait(5)

    def _listen_to_new_channels(self, conn: psycopg.Connection[Any], listening: set[str]) -> None:
        with self._lock:
            wanted = [(c, r) for c, r in self._ready.items() if c not in listening]
        for channel, ready in wanted:
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
            listening.add(channel)
            ready.set()

    def _dispatch(self, channel: str, payload: str) -> None:
        handler = self._handlers.get(channel)
        if handler is None:
            return
        try:
            handler(payload)
        except Exception:
            log.exception("the handler of notifications on %s failed", channel)

    def _due_jobs(self, now: datetime, limit: int) -> Select[Any]:
        return super()._due_jobs(now, limit).with_for_update(skip_locked=True)


def open_postgres(url: URL) -> PostgresStore:
    """Pool sizes from `STATEWRIGHT_DB_POOL_*` (`pools.py`); checked before connecting."""
    pool = pool_settings()
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    # shown in messages as the user would write it, e.g. in `statewright db upgrade --db URL`
    display_url = url.set(drivername="postgresql").render_as_string(hide_password=True)
    url = url.set(drivername="postgresql+psycopg")
    sql_engine = create_engine(url, pool_pre_ping=True, json_serializer=dumps,
                               **pool.engine_options())
    return PostgresStore(sql_engine, display_url, conninfo)
