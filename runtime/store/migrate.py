"""Schema upgrades with alembic, run programmatically on a store's own connection.

Imported only by `statewright db` and tests: opening a store never needs alembic
(`versioning.py` checks the revision by itself).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData

from runtime.store import connect_store, schema, versioning
from runtime.store.base import Store

SCRIPTS = Path(__file__).with_name("migrations")
VERSIONS = versioning.VERSIONS


@dataclass(frozen=True)
class Revision:
    id: str
    summary: str


@dataclass(frozen=True)
class Upgrade:
    before: str | None  # None: a fresh database
    after: str
    stamped_as: str | None = None  # the revision an unstamped database was recognised as


def _config(versions: Path = VERSIONS) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.set_main_option("path_separator", "os")  # a path may hold spaces
    config.set_main_option("version_locations", str(versions))
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


def draft_revision(message: str, metadata: Sequence[MetaData],
                   versions: Path = VERSIONS) -> Path | None:
    """Write the next revision: what the table definitions (`metadata`) have that replaying
    the revisions does not give, as alembic autogenerates it against a scratch SQLite
    database. None when nothing differs. A draft for a developer to read and complete:
    autogenerate moves no data and misses some changes (a renamed column, a type's length).
    """
    def skip_empty(_context: Any, _revision: Any, directives: list[Any]) -> None:
        if directives[0].upgrade_ops.is_empty():
            directives[:] = []

    with tempfile.TemporaryDirectory() as folder:
        store = connect_store(f"sqlite:///{folder}/scratch.db")
        try:
            upgrade(store, versioning.head())  # replayed, not created from the definitions
            config = _config(versions)
            with store.sql.connect() as conn:
                config.attributes.update(connection=conn, metadata=list(metadata))
                script = command.revision(
                    config, message, autogenerate=True, version_path=str(versions),
                    rev_id=f"{int(versioning.head()) + 1:04d}",
                    process_revision_directives=skip_empty)
        finally:
            store.close()
    written = script if isinstance(script, list) else [script]
    return Path(written[0].path) if written and written[0] is not None else None
