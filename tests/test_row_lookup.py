"""Instance rows read on SQLite's cursor (`RowLookup`) hold what SQLAlchemy reads: decoded
JSON, zstd-compressed variables unpacked, parallel branches, datetimes, in id order."""

from __future__ import annotations

from typing import Any

from parallel_processes import shipping
from sqlalchemy import select

from runtime import Engine
from runtime.benchmarks.engine import PROCESS
from runtime.store import schema as t
from runtime.store.row_lookup import RowLookup


def test_rows_read_on_the_cursor_equal_the_rows_sqlalchemy_reads(sqlite_url: str) -> None:
    with Engine(sqlite_url) as engine:
        engine.publish(PROCESS)
        engine.publish(shipping())
        ids = [engine.start(PROCESS["key"], {"note": "short"}),
               engine.start(PROCESS["key"], {"note": "a long note " * 2_000}),  # compressed
               engine.start("shipping", {})]  # waits in two branches
        lookup = RowLookup(t.instances, "id")
        with engine.store.read() as conn:
            expected = [row._asdict() for row in conn.execute(
                select(t.instances).where(t.instances.c.id.in_(ids)).order_by(t.instances.c.id))]
            got: list[Any] = lookup.rows(conn, [*sorted(ids), "no-such-instance"])
            assert lookup.rows(conn, []) == []
    assert [row._asdict() for row in got] == expected
    assert {len(row.variables["note"]) for row in got if row.variables.get("note")} == {
        5, 24_000}
    assert [row for row in got if row.branches]
