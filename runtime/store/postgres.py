"""PostgreSQL through psycopg 3: row locks for instances, `SKIP LOCKED` for leasing jobs.

Several `serve`/`worker` processes share one database; `FOR UPDATE SKIP LOCKED` lets each
claim different due jobs without waiting on one another.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, create_engine
from sqlalchemy.engine import URL

from runtime.store.base import Store


class PostgresStore(Store):
    dialect = "postgresql"

    def _due_jobs(self, now: datetime, limit: int) -> Select[Any]:
        return super()._due_jobs(now, limit).with_for_update(skip_locked=True)


def open_postgres(url: URL) -> PostgresStore:
    url = url.set(drivername="postgresql+psycopg")
    sql_engine = create_engine(url, pool_size=8, max_overflow=8, pool_pre_ping=True)
    return PostgresStore(sql_engine, url.render_as_string(hide_password=True))
