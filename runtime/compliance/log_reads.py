"""Reading the event log for a report: the events of a period (and definition) with their
instance, and the sensitive variable names of each definition version.

The log is read, never the projections, because the log is what the audit chain vouches for.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

from sqlalchemy import Connection, select

from runtime.compliance.model import Scope
from runtime.core.clock import from_db, to_db
from runtime.store import schema as t


def scoped_events(conn: Connection, scope: Scope, types: Iterable[str] | None = None,
                  with_actor: bool = False) -> Iterator[dict[str, Any]]:
    """The events in the period, oldest first, each with its instance's definition,
    version and business key."""
    e, i = t.events, t.instances
    query = select(e.c.instance_id, e.c.seq, e.c.type, e.c.data, e.c.actor, e.c.at,
                   i.c.definition_key, i.c.version, i.c.business_key).join(
        i, i.c.id == e.c.instance_id).where(e.c.at >= to_db(scope.since),
                                            e.c.at < to_db(scope.until))
    if scope.definition:
        query = query.where(i.c.definition_key == scope.definition)
    if types is not None:
        query = query.where(e.c.type.in_(list(types)))
    if with_actor:
        query = query.where(e.c.actor.is_not(None))
    for row in conn.execute(query.order_by(e.c.at, e.c.instance_id, e.c.seq)):
        yield {"instance": row.instance_id, "seq": row.seq, "type": row.type,
               "data": dict(row.data or {}), "actor": row.actor, "at": from_db(row.at),
               "definition": row.definition_key, "version": row.version,
               "business_key": row.business_key}


def documents(conn: Connection, key: str | None) -> dict[tuple[str, int], dict[str, Any]]:
    """Every published version's document (of one definition, or all)."""
    v = t.definition_versions
    query = select(v.c.key, v.c.version, v.c.document)
    if key:
        query = query.where(v.c.key == key)
    return {(row.key, row.version): dict(row.document) for row in conn.execute(query)}


class SensitiveNames:
    """The sensitive variable names of each definition version, read once per report."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._names = cache(self._load)

    def of(self, key: str, version: int) -> frozenset[str]:
        return self._names(key, version)

    def _load(self, key: str, version: int) -> frozenset[str]:
        v = t.definition_versions
        doc = self._conn.execute(select(v.c.document).where(
            v.c.key == key, v.c.version == version)).scalar() or {}
        return frozenset(var["name"] for var in doc.get("variables", []) if var.get("sensitive"))
