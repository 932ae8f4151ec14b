"""The durable store; `open_store(url)` picks the dialect module from the URL."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from runtime.analytics import tables as _analytics_tables  # noqa: F401  (shared metadata)
from runtime.analytics.updater import AnalyticsUpdater
from runtime.errors import StoreUnavailable
from runtime.store import resilience  # noqa: F401  (its tables join the shared metadata)
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
    store.event_hooks.append(AnalyticsUpdater())
    return store


__all__ = ["Store", "open_store"]
