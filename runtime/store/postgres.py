"""PostgreSQL through psycopg 3: row locks for instances, `SKIP LOCKED` for leasing jobs.

Several `serve`/`worker` processes share one database; `FOR UPDATE SKIP LOCKED` lets each
claim different due jobs without waiting on one another, and `NOTIFY`/`LISTEN` wakes their
runners as soon as another process schedules due work (polling remains the fallback).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

import psycopg
from sqlalchemy import Connection, Select, create_engine
from sqlalchemy import Engine as SqlEngine
from sqlalchemy.engine import URL

from runtime.store.base import Store
from runtime.store.json_codec import dumps
from runtime.store.pools import pool_settings

JOBS_CHANNEL = "statewright_jobs"
log = logging.getLogger("statewright.store")


class PostgresStore(Store):
    dialect = "postgresql"

    def __init__(self, sql_engine: SqlEngine, display_url: str, conninfo: str) -> None:
        super().__init__(sql_engine, display_url)
        self._conninfo = conninfo
        self._listener: threading.Thread | None = None
        self._closed = threading.Event()

    def jobs_due(self, conn: Connection) -> None:
        conn.exec_driver_sql(f"NOTIFY {JOBS_CHANNEL}")  # delivered at commit, deduplicated

    def listen_for_jobs(self, wake: threading.Event) -> None:
        if self._listener is None:
            self._listener = threading.Thread(target=self._listen, args=(wake,), daemon=True,
                                              name="statewright-listen")
            self._listener.start()

    def close(self) -> None:
        self._closed.set()
        if self._listener is not None:
            self._listener.join(timeout=5)
        super().close()

    def _listen(self, wake: threading.Event) -> None:
        while not self._closed.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {JOBS_CHANNEL}")
                    while not self._closed.is_set():
                        for _ in conn.notifies(timeout=1.0):
                            wake.set()
            except psycopg.Error as exc:
                log.warning("LISTEN %s failed (%s); runners poll until it is back",
                            JOBS_CHANNEL, exc)
                self._closed.wait(5)

    def _due_jobs(self, now: datetime, limit: int) -> Select[Any]:
        return super()._due_jobs(now, limit).with_for_update(skip_locked=True)


def open_postgres(url: URL) -> PostgresStore:
    """Pool sizes from `STATEWRIGHT_DB_POOL_*` (`pools.py`); checked before connecting."""
    pool = pool_settings()
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    url = url.set(drivername="postgresql+psycopg")
    sql_engine = create_engine(url, pool_pre_ping=True, json_serializer=dumps,
                               **pool.engine_options())
    return PostgresStore(sql_engine, url.render_as_string(hide_password=True), conninfo)
