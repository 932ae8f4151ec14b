"""Which schema revision a database is at, checked each time a store opens (without alembic).

- A fresh database is created at head straight from the table definitions and stamped, in
  one transaction: as fast as creating the tables, not a replay of every revision.
- A database at head opens after one lookup of `alembic_version`.
- One at an older revision is refused with `SchemaOutdated`, naming `statewright db upgrade`.
- One made before revisions were recorded (no `alembic_version`, but tables) is recognised by
  the tables and indexes each revision added; at head it is simply stamped.

The revisions are the files in `migrations/versions/`, named `<revision>_<what>.py`; the
store does not import alembic to learn them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Connection, MetaData, PrimaryKeyConstraint, String, Table, inspect
from sqlalchemy import Engine as SqlEngine

from runtime.core.errors import SchemaOutdated
from runtime.store import schema

VERSIONS = Path(__file__).with_name("migrations") / "versions"

# alembic's own table, as alembic creates it, so that alembic reads and moves our stamp
_version_table = Table(
    "alembic_version", MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)

# What a revision added to the store's tables, newest first: how to date an unstamped
# database. Not 0003 and 0009: they add only identity tables, which the identity service
# creates by itself (so they date nothing) and the revisions create only if missing.
_ADDED_BY = (
    ("0012", "table", "saved_views"),
    ("0011", "table", "absences"),
    ("0010", "column", ("instances", "branches")),
    ("0008", "table", "worker_load"),
    ("0007", "table", "message_subscriptions"),
    ("0006", "table", "alert_rules"),
    ("0005", "table", "analytics_histograms_daily"),
    ("0004", "index", ("analytics_counts", "ix_analytics_counts_kind")),
    ("0002", "table", "analytics_tasks"),
)
FIRST = "0001"
_IDENTITY_ONLY = frozenset({"0003", "0009"})


@cache
def revisions() -> tuple[str, ...]:
    """Every revision, oldest first."""
    return tuple(sorted(p.name.split("_", 1)[0] for p in VERSIONS.glob("[0-9]*_*.py")))


def head() -> str:
    return revisions()[-1]


def prepare(sql: SqlEngine, display_url: str) -> None:
    """Create a fresh database at head, stamp an unstamped one at head, refuse an old one."""
    with sql.connect() as conn:
        if stamped(conn) == head():
            return  # the usual case, read without taking the write lock
    with sql.connect() as conn:
        conn.execution_options(statewright_write=True)  # SQLite: BEGIN IMMEDIATE
        with conn.begin():
            lock(conn)
            found = stamped(conn)
            if found is None and not has_data_tables(conn):
                schema.metadata.create_all(conn)
                stamp(conn, head())
                return
            if found is None:
                found = dated(conn)
                if found == head():
                    stamp(conn, found)
                    return
            if found != head():
                raise outdated(found, display_url)


def lock(conn: Connection) -> None:
    """PostgreSQL: one schema change at a time per schema (SQLite's write lock does that)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "SELECT pg_advisory_xact_lock(hashtext('statewright-schema:' || current_schema()))")


def stamped(conn: Connection) -> str | None:
    """The revision recorded in `alembic_version`, or None when nothing is recorded."""
    if not inspect(conn).has_table(_version_table.name):
        return None
    return conn.execute(_version_table.select()).scalar()


def has_data_tables(conn: Connection) -> bool:
    """Whether the store's tables exist (the identity service may have made its own alone)."""
    return inspect(conn).has_table(schema.instances.name)


def dated(conn: Connection) -> str:
    """The revision an unstamped database is at, from what the revisions added.

    Identity-only revisions right after the one found count as done: whatever they add,
    the identity service makes when it first needs it.
    """
    inspector = inspect(conn)
    found = next((revision for revision, kind, name in _ADDED_BY
                  if (kind == "table" and inspector.has_table(name))
                  or (kind == "index" and inspector.has_index(*name))
                  or (kind == "column" and _has_column(inspector, *name))), FIRST)
    known = revisions()
    at = known.index(found)
    while at + 1 < len(known) and known[at + 1] in _IDENTITY_ONLY:
        at += 1
    return known[at]


def _has_column(inspector: Any, table: str, column: str) -> bool:
    return any(c["name"] == column for c in inspector.get_columns(table))


def stamp(conn: Connection, revision: str) -> None:
    _version_table.create(conn, checkfirst=True)
    conn.execute(_version_table.delete())
    conn.execute(_version_table.insert().values(version_num=revision))


def outdated(found: str, display_url: str) -> SchemaOutdated:
    known = revisions()
    if found in known:
        return SchemaOutdated(
            f"the database {display_url} has schema revision {found}; this release needs "
            f"{head()}: back it up, then run `statewright db upgrade --db {display_url}`",
            {"revision": found, "head": head()})
    return SchemaOutdated(
        f"the database {display_url} has schema revision {found!r}, which this release does "
        f"not know (its newest is {head()}): was it upgraded by a newer Statewright?",
        {"revision": found, "head": head()})
