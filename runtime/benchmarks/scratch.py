"""The engine a benchmark measures: on the database it is given, or on a throwaway SQLite file;
and throwaway databases (SQLite or PostgreSQL) for benchmarks that run several processes."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from runtime import Engine


@contextmanager
def bench_engine(url: str | None, file_name: str) -> Iterator[Engine]:
    """An engine on `url`, or (None) on a new SQLite file `file_name` deleted afterwards."""
    with (
        tempfile.TemporaryDirectory(prefix="statewright-bench-") as scratch,
        Engine(url or f"sqlite:///{Path(scratch) / file_name}") as engine,
    ):
        yield engine


@contextmanager
def scratch_database(url: str | None, file_name: str) -> Iterator[str]:
    """The URL of an empty database for one run, dropped afterwards: a new SQLite file (`url`
    None), or a new database `statewright_bench_<random>` on the PostgreSQL server of `url`.
    A SQLite `url` is used as it is (the caller chose that file)."""
    if url is None:
        with tempfile.TemporaryDirectory(prefix="statewright-bench-") as scratch:
            yield f"sqlite:///{Path(scratch) / file_name}"
        return
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        yield url
        return
    import psycopg

    name = f"statewright_bench_{uuid.uuid4().hex[:12]}"
    server = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
