"""SQLite: WAL, busy_timeout, foreign keys, full sync, and `BEGIN IMMEDIATE` for writes.

Taking the write lock at BEGIN (not at the first write) means two processes never both read
an instance and then fail to upgrade their lock: the second simply waits (busy_timeout).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, create_engine, event
from sqlalchemy.engine import URL

from runtime.core.errors import StoreUnavailable
from runtime.store import schema as t
from runtime.store.base import Store
from runtime.store.json_codec import dumps
from runtime.store.row_lookup import RowLookup

_INSTANCES = RowLookup(t.instances, "id")
BUSY_TIMEOUT_MS = 30_000
POOL_SIZE = 16  # kept open: a new SQLite connection re-runs its PRAGMAs


class SqliteStore(Store):
    dialect = "sqlite"

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with self.sql.connect() as conn:
            conn.execution_options(statewright_write=True)
            with conn.begin():
                yield from self._writing(conn)

    def locked_rows(self, conn: Connection, instance_ids: list[str]) -> Iterable[Any]:
        """SQLite locks the whole database at `BEGIN IMMEDIATE`: a plain read, on the cursor."""
        return _INSTANCES.rows(conn, instance_ids)


def open_sqlite(url: URL) -> SqliteStore:
    """`?synchronous=normal` trades power-loss durability for speed: a commit then survives
    the process being killed, but not the machine losing power (default: full)."""
    synchronous = url.query.get("synchronous", "full")
    if synchronous not in ("full", "normal"):
        raise StoreUnavailable(f"synchronous={synchronous!r}: use full or normal")
    display_url = url.render_as_string(hide_password=True)
    url = url.difference_update_query(["synchronous"])
    sql_engine = create_engine(
        url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        json_serializer=dumps, pool_size=POOL_SIZE, max_overflow=POOL_SIZE,
    )

    @event.listens_for(sql_engine, "connect")
    def _configure(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
        cursor = dbapi_conn.cursor()
        for pragma in ("journal_mode=WAL", f"busy_timeout={BUSY_TIMEOUT_MS}",
                       "foreign_keys=ON", f"synchronous={synchronous.upper()}"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(sql_engine, "begin")
    def _begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("statewright_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return SqliteStore(sql_engine, display_url)
