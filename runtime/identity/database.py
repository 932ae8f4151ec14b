"""Opening the engine's database URL for the identity tables.

`postgresql://` means psycopg 3 (the driver we ship); SQLite waits for a busy writer
instead of failing, and an in-memory SQLite keeps one shared connection so every call
sees the same tables.
"""

from __future__ import annotations

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool


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
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            return create_engine(
                parsed, connect_args={"check_same_thread": False}, poolclass=StaticPool
            )
        return create_engine(parsed, connect_args={"timeout": 30})
    return create_engine(parsed, pool_pre_ping=True)
