"""Opening the engine's database URL for the identity tables.

`postgresql://` means psycopg 3 (the driver we ship). SQLite is set up like the engine's
store: WAL, a busy timeout, foreign keys, and `BEGIN IMMEDIATE` for write transactions, so
a read-then-update (a login counting a failure) waits for the lock instead of failing to
upgrade it. An in-memory SQLite keeps one shared connection so every call sees one database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

from runtime.store.pools import PoolSettingError, pool_settings

BUSY_TIMEOUT_MS = 30_000
_WRITE = "identity_write"


def create_identity_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValueError(
            f"Invalid database URL {url!r}: expected sqlite:///path.db or "
            "postgresql://host:port/database."
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() != "sqlite":
        try:  # sized like the engine's store pool (`runtime/store/pools.py`)
            pool = pool_settings()
        except PoolSettingError as exc:
            raise ValueError(exc.message) from None
        return create_engine(parsed, pool_pre_ping=True, **pool.engine_options())
    in_memory = parsed.database in (None, "", ":memory:")
    engine = create_engine(
        parsed,
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        **({"poolclass": StaticPool} if in_memory else {}),
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # BEGIN is issued below
        cursor = dbapi_conn.cursor()
        for pragma in ("journal_mode=WAL", f"busy_timeout={BUSY_TIMEOUT_MS}", "foreign_keys=ON"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(_WRITE)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: committed on success, rolled back on error."""
    with engine.connect() as conn:
        conn = conn.execution_options(**{_WRITE: True})
        with conn.begin():
            yield conn
