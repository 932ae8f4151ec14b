"""Schema upgrades with alembic, run programmatically on a store's own connection.

Imported only by `statewright db` and tests: opening a store never needs alembic
(`versioning.py` checks the revision by itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from runtime.store import schema, versioning
from runtime.store.base import Store

SCRIPTS = Path(__file__).with_name("migrations")


@dataclass(frozen=True)
class Revision:
    id: str
    summary: str


@dataclass(frozen=True)
class Upgrade:
    before: str | None  # None: a fresh database
    after: str
    stamped_as: str | None = None  # the revision an unstamped database was recognised as


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    return config


def history() -> list[Revision]:
    """Every revision, oldest first, with the first paragraph of its description."""
    scripts = ScriptDirectory.from_config(_config())
    walked = reversed(list(scripts.walk_revisions()))
    return [Revision(s.revision, " ".join((s.doc or "").split("\n\n")[0].split())) for s in walked]


def current(store: Store) -> str | None:
    """The revision the database is at: stamped, or dated from its tables; None when fresh."""
    with store.sql.connect() as conn:
        found = versioning.stamped(conn)
        if found is None and versioning.has_data_tables(conn):
            return versioning.dated(conn)
        return found


def upgrade(store: Store, target: str = "head") -> Upgrade:
    """Move the database to `target` in one transaction (all revisions or none).

    A fresh database is created at head from the table definitions (the caller imports the
    modules of every table first); an unstamped one is stamped with the revision its tables
    show, then upgraded.
    """
    with store.sql.connect() as conn:
        conn.execution_options(statewright_write=True)
        with conn.begin():
            versioning.lock(conn)
            before = versioning.stamped(conn)
            stamped_as = None
            if before is None and not versioning.has_data_tables(conn) and target == "head":
                schema.metadata.create_all(conn)
                versioning.stamp(conn, versioning.head())
                return Upgrade(None, versioning.head())
            if before is None and versioning.has_data_tables(conn):
                before = stamped_as = versioning.dated(conn)
                versioning.stamp(conn, before)
            config = _config()
            config.attributes["connection"] = conn
            command.upgrade(config, target)
            return Upgrade(before, versioning.stamped(conn) or "", stamped_as)
