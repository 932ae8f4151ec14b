"""Hot-path statements run straight on the DBAPI cursor, their parameters converted per column.

A profile of `bench --suite steps` put a third of the writer thread in SQLAlchemy's work around
each `executemany` (cache keys, compiled parameters, bind processors called row by row) against
2 % in SQLite itself. A `Prepared` statement is compiled once per dialect and row shape; its
rows go to `cursor.executemany` converted by the same type processors SQLAlchemy would use, so
what is stored is byte for byte what `conn.execute` stores.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Dialect
from sqlalchemy.dialects.sqlite import DATETIME as SQLITE_DATETIME
from sqlalchemy.sql.expression import Executable

Processor = Callable[[Any], Any]
# SQLAlchemy's own SQLite DATETIME text, `2026-12-05 19:00:00.000000`, written by `isoformat`
# (a tenth of the cost of the %-formatting SQLAlchemy does) for the naive UTC values we store.
_SQLITE_DEFAULT_FORMAT = SQLITE_DATETIME()._storage_format


def _sqlite_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    return value.isoformat(" ", "microseconds")


@dataclass(frozen=True)
class _Shape:
    """One statement compiled for one dialect and set of row keys."""

    sql: str
    names: tuple[str, ...]  # parameter names in the order the SQL takes them
    from_rows: tuple[str, ...]  # the names whose values the rows give, in that order
    literals: tuple[tuple[int, Any], ...]  # positions of the statement's own values (`x + 1`)
    converted: tuple[tuple[int, Processor], ...]  # positions whose values a processor converts
    positional: bool

    def parameters(self, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        take = itemgetter(*self.from_rows)
        if len(self.from_rows) == 1:
            values = [[take(row)] for row in rows]
        else:
            values = [list(take(row)) for row in rows]
        for position, literal in self.literals:
            for row_values in values:
                row_values.insert(position, literal)
        for position, process in self.converted:
            for row_values in values:
                row_values[position] = process(row_values[position])
        if self.positional:
            return values
        return [dict(zip(self.names, row_values, strict=True)) for row_values in values]


def _processor(bind: Any, dialect: Dialect) -> Processor | None:
    impl = bind.type.dialect_impl(dialect)
    if type(impl) is SQLITE_DATETIME and impl._storage_format == _SQLITE_DEFAULT_FORMAT:
        return _sqlite_datetime
    return impl.bind_processor(dialect)


def _compile(statement: Executable, dialect: Dialect, keys: tuple[str, ...]) -> _Shape:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    binds = compiled.binds
    # positional paramstyles (SQLite's qmark) list a name once per use
    names = tuple(compiled.positiontup or ()) if dialect.positional else tuple(binds)
    literals = tuple((position, binds[name].value) for position, name in enumerate(names)
                     if name not in keys)
    missing = [names[position] for position, value in literals if value is None]
    if missing:
        raise ValueError(f"the rows give no value for the parameters {missing}")
    processors = [(position, _processor(binds[name], dialect))
                  for position, name in enumerate(names)]
    return _Shape(sql=compiled.string, names=names, positional=dialect.positional,
                  from_rows=tuple(name for name in names if name in keys), literals=literals,
                  converted=tuple((p, f) for p, f in processors if f is not None))


class Prepared:
    """A Core INSERT/UPDATE (no expanding IN lists) run many times with plain parameters."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._shapes: dict[tuple[str, tuple[str, ...]], _Shape] = {}

    def run(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
        """Execute once per row inside `conn`'s transaction; the rows changed in all.

        DBAPI errors arrive unwrapped (`conn.dialect.loaded_dbapi.IntegrityError`, ...)."""
        if not rows:
            return 0
        keys = tuple(rows[0])
        shape = self._shapes.get((conn.dialect.name, keys))
        if shape is None:
            shape = self._shapes[(conn.dialect.name, keys)] = _compile(
                self.statement, conn.dialect, keys)
        cursor = conn.connection.cursor()
        try:
            cursor.executemany(shape.sql, shape.parameters(rows))
            return int(cursor.rowcount)
        finally:
            cursor.close()
