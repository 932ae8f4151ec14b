"""`Prepared` statements store exactly what SQLAlchemy's own `conn.execute` stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import sqlite

from runtime.core.snapshot import Snapshot
from runtime.store import open_store
from runtime.store import schema as t
from runtime.store.prepared import Prepared, _sqlite_datetime

ROWS = [
    {"id": "a", "instance_id": "i-1", "kind": "action", "state": "check", "attempt": 0,
     "run_at": datetime(2026, 12, 5, 19, 0, 0), "payload": {"n": 1, "text": "ä€"},
     "created_at": datetime(2026, 12, 5, 19, 0, 0, 123456), "leased_by": None,
     "lease_until": None},
    {"id": "b", "instance_id": "i-2", "kind": "timer", "state": "wait", "attempt": 3,
     "run_at": datetime(1999, 1, 2, 3, 4, 5, 6), "payload": {}, "created_at":
     datetime(2026, 1, 1), "leased_by": "w-1", "lease_until": datetime(2026, 1, 1, 0, 0, 1)},
]


@pytest.fixture
def store(db_url: str):
    opened = open_store(db_url)
    now = datetime(2026, 12, 5, tzinfo=UTC)
    with opened.write() as conn:  # the jobs' instances
        opened.save_version(conn, "po", "PO", {"key": "po", "states": []}, "h1", "ana", now)
        for iid in ("i-1", "i-2"):
            opened.insert_instance(conn, Snapshot(id=iid, definition="po", version=1), "ana", now)
    yield opened
    opened.close()


def _stored(store, ids):
    query = select(t.jobs).where(t.jobs.c.id.in_(ids)).order_by(t.jobs.c.id)
    with store.read() as conn:
        return [tuple(row) for row in conn.execute(query)]


def test_rows_match_what_sqlalchemy_stores(store):
    with store.write() as conn:
        conn.execute(insert(t.jobs), ROWS)
        Prepared(insert(t.jobs)).run(conn, [{**row, "id": row["id"] + "2"} for row in ROWS])
    core, prepared = _stored(store, ["a", "b"]), _stored(store, ["a2", "b2"])
    assert [r[1:] for r in prepared] == [r[1:] for r in core]


def test_the_count_of_rows_changed_covers_every_row(store):
    statement = Prepared(update(t.jobs).where(t.jobs.c.id == bindparam("p_id")).values(
        attempt=bindparam("p_attempt")))
    with store.write() as conn:
        Prepared(insert(t.jobs)).run(conn, ROWS)
        changed = statement.run(conn, [{"p_id": "a", "p_attempt": 7},
                                       {"p_id": "b", "p_attempt": 8},
                                       {"p_id": "missing", "p_attempt": 9}])
    assert changed == 2


def test_a_duplicate_key_raises_the_drivers_integrity_error(store):
    integrity_error = store.sql.dialect.loaded_dbapi.IntegrityError
    with pytest.raises(integrity_error), store.write() as conn:
        Prepared(insert(t.jobs)).run(conn, [ROWS[0], ROWS[0]])
    assert _stored(store, ["a"]) == []  # the transaction rolled back


def test_a_parameter_the_rows_do_not_give_is_named(store):
    statement = Prepared(update(t.jobs).where(t.jobs.c.id == bindparam("p_id")).values(
        attempt=bindparam("p_attempt")))
    with store.write() as conn, pytest.raises(ValueError, match="p_attempt"):
        statement.run(conn, [{"p_id": "a"}])


@settings(max_examples=300)
@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31),
                    timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=-5))])))
def test_sqlite_timestamps_are_written_as_sqlalchemy_writes_them(moment):
    dialect = sqlite.dialect()
    reference = sqlite.DATETIME().bind_processor(dialect)
    assert _sqlite_datetime(moment) == reference(moment)
