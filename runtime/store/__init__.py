"""The durable store; `open_store(url)` picks the dialect module from the URL.

Tables of higher layers (tasks, analytics) join `schema.metadata` when their modules are
imported; the composition root imports them before it opens the store.
"""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from runtime.core.errors import SchemaOutdated, StoreUnavailable
from runtime.store import (  # noqa: F401  (resilience, worker_load: their tables join the metadata)
    resilience,
    versioning,
    worker_load,
)
from runtime.store.base import Store


def open_store(url: str) -> Store:
    """A store for `sqlite:///file.db` or `postgresql://...` whose schema is at head: created
    if the database is fresh, refused with `SchemaOutdated` if it is at an older revision."""
    store = connect_store(url)
    try:
        versioning.prepare(store.sql, store.display_url)
    except SchemaOutdated:
        store.close()
        raise
    except Exception as exc:
        store.close()
        raise StoreUnavailable(f"cannot open the database {store.display_url}: {exc}") from exc
    return store


def connect_store(url: str) -> Store:
    """A store for the URL, its schema neither checked nor created (`statewright db`)."""
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
    return store


__all__ = ["Store", "connect_store", "open_store"]
