"""The durable store; `open_store(url)` picks the dialect module from the URL.

Tables of higher layers (tasks, analytics) join `schema.metadata` when their modules are
imported; the composition root imports them before it opens the store.
"""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from runtime.core.errors import StoreUnavailable
from runtime.store import resilience, worker_load  # noqa: F401  (their tables join the metadata)
from runtime.store.base import Store


def open_store(url: str) -> Store:
    """A store for `sqlite:///file.db` or `postgresql://...`, with its tables created."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreUnavailable(
            f"{url!r} is not a database URL; use sqlite:///path.db or postgresql://host/db"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        from runtime.store.sqlite import open_sqlite

        store: Store = open_sqlite(parsed)
    elif backend in ("postgresql", "postgres"):
        from runtime.store.postgres import open_postgres

        store = open_postgres(parsed)
    else:
        raise StoreUnavailable(f"unsupported database {backend!r}: use sqlite or postgresql")
    try:
        store.create_schema()
    except Exception as exc:
        store.close()
        raise StoreUnavailable(f"cannot open the database {store.display_url}: {exc}") from exc
    return store


__all__ = ["Store", "open_store"]
