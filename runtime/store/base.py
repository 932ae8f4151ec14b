"""The store: every SQL statement the engine runs, written once in SQLAlchemy Core.

Dialect subclasses (`sqlite.py`, `postgres.py`) only set up connections and transactions
and adjust the job-leasing query. Methods taking `conn` run inside the caller's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy import Engine as SqlEngine

from runtime.core.clock import from_db, to_db
from runtime.core.errors import ConcurrencyError
from runtime.core.events import GENESIS_HASH, Event, NewEvent, canonical, chain_hash
from runtime.core.snapshot import Branch, Snapshot
from runtime.store import schema as t
from runtime.store.jobs import JobStatements
from runtime.store.pending import PENDING as _PENDING
from runtime.store.pending import PendingWrites as _PendingWrites
from runtime.store.prepared import Prepared

_PROJECTION_PARAMS = {"state": "p_state", "status": "p_status", "variables": "p_variables",
                      "entered_seq": "p_entered", "last_seq": "p_seq", "last_hash": "p_hash",
                      "updated_at": "p_at", "branches": "p_branches"}


# The statements of the hot path, built once: building them per call costs more than running
# them on SQLite.
_INSTANCES_FOR_UPDATE = (
    select(t.instances).where(t.instances.c.id.in_(bindparam("p_ids", expanding=True)))
    .order_by(t.instances.c.id).with_for_update()
)
_INSERT_EVENTS = Prepared(insert(t.events))
_INSERT_INSTANCE = Prepared(insert(t.instances))
_UPDATE_PROJECTION = Prepared(
    update(t.instances)
    .where(t.instances.c.id == bindparam("p_id"), t.instances.c.row_version == bindparam("p_rv"))
    .values(state=bindparam("p_state"), status=bindparam("p_status"),
            variables=bindparam("p_variables", type_=t.instances.c.variables.type),
            entered_seq=bindparam("p_entered"), last_seq=bindparam("p_seq"),
            branches=bindparam("p_branches", type_=t.instances.c.branches.type),
            last_hash=bindparam("p_hash"), row_version=bindparam("p_rv") + 1,
            updated_at=bindparam("p_at", type_=t.instances.c.updated_at.type))
)
_VERSIONS = t.definition_versions
_VERSION = select(_VERSIONS.c.version).where(
    _VERSIONS.c.key == bindparam("p_key"), _VERSIONS.c.version == bindparam("p_version"))
_LATEST_VERSION = select(func.max(_VERSIONS.c.version)).where(
    _VERSIONS.c.key == bindparam("p_key"))
_REMEMBERED = select(t.idempotency_keys.c.result).where(
    t.idempotency_keys.c.scope == bindparam("p_scope"),
    t.idempotency_keys.c.key == bindparam("p_key"),
)
class Store(JobStatements):
    """Tables, transactions and queries over one SQLAlchemy engine."""

    dialect = "generic"

    def __init__(self, sql_engine: SqlEngine, display_url: str) -> None:
        self.sql = sql_engine
        self.display_url = display_url
        # Called with each flushed batch of new event rows, inside its transaction
        # (the dashboard aggregates, `runtime/analytics/updater.py`).
        self.event_hooks: list[Callable[[Connection, list[dict[str, Any]]], None]] = []

    def close(self) -> None:
        self.sql.dispose()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that will write; pending log writes are flushed before it commits."""
        with self.sql.begin() as conn:
            yield from self._writing(conn)

    def _writing(self, conn: Connection) -> Iterator[Connection]:
        conn.info[_PENDING] = _PendingWrites()
        try:
            yield conn
            self.flush(conn)
        finally:
            conn.info.pop(_PENDING, None)

    def flush(self, conn: Connection) -> None:
        """Write the events and projections `append` queued, as two multi-row statements."""
        self.flush_jobs(conn)
        pending: _PendingWrites = conn.info[_PENDING]
        if not pending.events:
            return
        events, updates = pending.events, list(pending.updates.values())
        pending.events, pending.updates = [], {}
        try:
            _INSERT_EVENTS.run(conn, events)
        except conn.dialect.loaded_dbapi.IntegrityError:
            raise ConcurrencyError("an instance was changed by another writer") from None
        if _UPDATE_PROJECTION.run(conn, updates) != len(updates):
            raise ConcurrencyError("an instance was changed by another writer")
        for hook in self.event_hooks:
            hook(conn, events)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.sql.connect() as conn:
            yield conn

    # ---- definitions -------------------------------------------------------------------

    def save_version(
        self, conn: Connection, key: str, name: str | None, document: dict[str, Any],
        content_hash: str, actor: str | None, now: datetime,
    ) -> tuple[int, bool]:
        """The version holding this content: the existing one, or a newly inserted one."""
        existing = conn.execute(
            select(t.definition_versions.c.version).where(
                t.definition_versions.c.key == key,
                t.definition_versions.c.content_hash == content_hash,
            )
        ).scalar()
        if existing is not None:
            return existing, True
        if conn.execute(select(t.definitions.c.key).where(t.definitions.c.key == key)).first():
            conn.execute(update(t.definitions).where(t.definitions.c.key == key).values(name=name))
        else:
            conn.execute(insert(t.definitions).values(key=key, name=name, created_at=to_db(now)))
        latest = conn.execute(
            select(func.max(t.definition_versions.c.version)).where(
                t.definition_versions.c.key == key)
        ).scalar()
        version = (latest or 0) + 1
        conn.execute(insert(t.definition_versions).values(
            key=key, version=version, content_hash=content_hash, document=document,
            published_at=to_db(now), published_by=actor,
        ))
        return version, False

    def version_row(self, conn: Connection, key: str, version: int | None) -> Any:
        """The row of `version` of `key` (the latest when None), or None."""
        v = t.definition_versions
        query = select(v).where(v.c.key == key)
        query = query.where(v.c.version == version) if version else query.order_by(
            v.c.version.desc()).limit(1)
        return conn.execute(query).first()

    def version_number(self, conn: Connection, key: str, version: int | None) -> int | None:
        """`version` if it is published, else None; the latest when `version` is None.

        Reads the primary key alone: a start then finds the parsed model in the definition
        cache without decoding the stored document.
        """
        if version:
            return conn.execute(_VERSION, {"p_key": key, "p_version": version}).scalar()
        return conn.execute(_LATEST_VERSION, {"p_key": key}).scalar()

    def definition_rows(self, conn: Connection) -> list[Any]:
        v = t.definition_versions
        return list(conn.execute(
            select(t.definitions.c.key, t.definitions.c.name, t.definitions.c.created_at,
                   func.max(v.c.version).label("latest_version"),
                   func.count(v.c.version).label("version_count"))
            .join(v, v.c.key == t.definitions.c.key)
            .group_by(t.definitions.c.key, t.definitions.c.name, t.definitions.c.created_at)
            .order_by(t.definitions.c.key)
        ))

    def version_rows(self, conn: Connection, key: str) -> list[Any]:
        v = t.definition_versions
        return list(conn.execute(select(v).where(v.c.key == key).order_by(v.c.version)))

    def save_draft(self, conn: Connection, key: str, document: dict[str, Any],
                   actor: str | None, now: datetime) -> None:
        d = t.drafts
        values = {"document": document, "updated_at": to_db(now), "updated_by": actor}
        if conn.execute(update(d).where(d.c.key == key).values(**values)).rowcount == 0:
            conn.execute(insert(d).values(key=key, **values))

    def draft_rows(self, conn: Connection, key: str | None = None) -> list[Any]:
        d = t.drafts
        query = select(d).order_by(d.c.key)
        return list(conn.execute(query.where(d.c.key == key) if key else query))

    def delete_draft(self, conn: Connection, key: str) -> bool:
        return conn.execute(t.drafts.delete().where(t.drafts.c.key == key)).rowcount > 0

    # ---- instances and their log -------------------------------------------------------

    def lock_instances(self, conn: Connection, instance_ids: list[str]) -> None:
        """Read and lock many instance rows in one round trip, ahead of a batch of sends."""
        pending: _PendingWrites = conn.info[_PENDING]
        wanted = sorted(set(instance_ids) - pending.locked.keys())
        if wanted:
            for row in self.locked_rows(conn, wanted):
                pending.locked[row.id] = row

    def locked_rows(self, conn: Connection, instance_ids: list[str]) -> Iterable[Any]:
        """The rows of `instance_ids` (sorted: writers lock them in one order), locked."""
        return conn.execute(_INSTANCES_FOR_UPDATE, {"p_ids": instance_ids})

    def instance_row_locked(self, conn: Connection, instance_id: str) -> Any:
        """The instance row, locked against other writers until the transaction ends."""
        row = conn.info[_PENDING].locked.get(instance_id)
        if row is None:
            row = next(iter(list(self.locked_rows(conn, [instance_id]))), None)  # result closed
        queued = conn.info[_PENDING].updates.get(instance_id) if row is not None else None
        if queued is None:
            return row
        return SimpleNamespace(**{**row._asdict(), **{
            column: queued[param] for column, param in _PROJECTION_PARAMS.items()}})

    def insert_instance(
        self, conn: Connection, snap: Snapshot, actor: str | None, now: datetime
    ) -> None:
        _INSERT_INSTANCE.run(conn, [dict(
            id=snap.id, definition_key=snap.definition, version=snap.version, state=None,
            status="running", variables={}, entered_seq=0, row_version=0, last_seq=0,
            last_hash=GENESIS_HASH, business_key=snap.business_key, parent_id=snap.parent_id,
            started_by=actor, created_at=to_db(now), updated_at=to_db(now),
        )])

    def append(
        self, conn: Connection, before: Snapshot, prev_hash: str, row_version: int,
        after: Snapshot, new_events: list[NewEvent], actor: str | None, now: datetime,
    ) -> str:
        """Append `new_events` after `before.seq` and write the projection `after`.

        The rows are queued and written by `flush` when the transaction ends, so a batch of
        many sends costs two statements; `instance_row_locked` sees the queued projection.
        """
        rows, last_hash, at = [], prev_hash, to_db(now)
        for offset, event in enumerate(new_events, start=1):
            seq = before.seq + offset
            body = canonical(before.id, seq, event.type, event.data, actor, at)
            digest = chain_hash(last_hash, body)
            rows.append({"instance_id": before.id, "seq": seq, "type": event.type,
                         "data": event.data, "actor": actor, "at": at,
                         "prev_hash": last_hash, "hash": digest})
            last_hash = digest
        pending: _PendingWrites = conn.info[_PENDING]
        pending.events.extend(rows)
        pending.updates[before.id] = {
            "p_id": before.id, "p_rv": row_version, "p_state": after.state,
            "p_status": after.status, "p_variables": after.variables,
            "p_entered": after.entered_seq, "p_seq": after.seq, "p_hash": last_hash, "p_at": at,
            "p_branches": [b.to_json() for b in after.branches] or None,
        }
        return last_hash

    def instance_row(self, conn: Connection, instance_id: str) -> Any:
        return conn.execute(select(t.instances).where(t.instances.c.id == instance_id)).first()

    def event_rows(self, conn: Connection, instance_id: str) -> list[Any]:
        e = t.events
        return list(conn.execute(select(e).where(e.c.instance_id == instance_id).order_by(e.c.seq)))

    def instance_page(
        self, conn: Connection, filters: dict[str, Any], limit: int, offset: int
    ) -> tuple[list[Any], int]:
        i = t.instances
        where = [getattr(i.c, column) == value for column, value in filters.items()
                 if value is not None]
        total = conn.execute(select(func.count()).select_from(i).where(*where)).scalar() or 0
        rows = conn.execute(
            select(i).where(*where).order_by(i.c.created_at.desc(), i.c.id)
            .limit(limit).offset(offset)
        )
        return list(rows), total

    def all_instance_ids(self, conn: Connection) -> Iterator[str]:
        yield from conn.execute(select(t.instances.c.id).order_by(t.instances.c.id)).scalars()

    # ---- idempotency -------------------------------------------------------------------

    def remembered(self, conn: Connection, scope: str, key: str) -> Any:
        return conn.execute(_REMEMBERED, {"p_scope": scope, "p_key": key}).scalar()

    def remember(self, conn: Connection, scope: str, key: str, result: Any, now: datetime) -> None:
        conn.execute(insert(t.idempotency_keys).values(
            scope=scope, key=key, result=json.loads(json.dumps(result)), created_at=to_db(now)))


def snapshot_of(row: Any) -> Snapshot:
    return Snapshot(
        id=row.id, definition=row.definition_key, version=row.version, state=row.state,
        status=row.status, variables=dict(row.variables or {}), entered_seq=row.entered_seq,
        seq=row.last_seq, business_key=row.business_key, parent_id=row.parent_id,
        branches=tuple(Branch.from_json(b) for b in row.branches or ()),
    )


def event_of(row: Any) -> Event:
    return Event(instance_id=row.instance_id, seq=row.seq, type=row.type, data=row.data,
                 actor=row.actor, at=from_db(row.at), prev_hash=row.prev_hash, hash=row.hash)
