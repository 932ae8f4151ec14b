"""The engine a benchmark measures: on the database it is given, or on a throwaway SQLite file."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from runtime import Engine


@contextmanager
def bench_engine(url: str | None, file_name: str) -> Iterator[Engine]:
    """An engine on `url`, or (None) on a new SQLite file `file_name` deleted afterwards."""
    with (
        tempfile.TemporaryDirectory(prefix="statewright-bench-") as scratch,
        Engine(url or f"sqlite:///{Path(scratch) / file_name}") as engine,
    ):
        yield engine
