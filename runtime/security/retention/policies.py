"""Retention policies (days to keep a finished instance, per definition or by default) and
legal holds (an instance or a whole definition kept regardless), and what falls due."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from runtime.core.clock import to_db
from runtime.core.step import TERMINAL
from runtime.store import schema as t
from runtime.store.base import Store

log = logging.getLogger("statewright.audit")
DEFAULT = "*"  # the policy of every definition without its own
SCOPES = ("instance", "definition")


def set_policy(store: Store, definition_key: str, keep_days: int, actor: str | None,
               now: datetime) -> None:
    p = t.retention_policies
    values = {"keep_days": keep_days, "updated_by": actor, "updated_at": to_db(now)}
    with store.write() as conn:
        if not conn.execute(update(p).where(p.c.definition_key == definition_key)
                            .values(**values)).rowcount:
            conn.execute(insert(p).values(definition_key=definition_key, **values))


def remove_policy(store: Store, definition_key: str) -> bool:
    p = t.retention_policies
    with store.write() as conn:
        return conn.execute(delete(p).where(p.c.definition_key == definition_key)).rowcount > 0


def policies(conn: Connection) -> dict[str, int]:
    p = t.retention_policies
    return dict(conn.execute(select(p.c.definition_key, p.c.keep_days)).all())


def add_hold(store: Store, scope: str, target: str, reason: str, actor: str | None,
             now: datetime) -> bool:
    """Place a hold; False when that hold was already there (its first reason stays)."""
    h = t.legal_holds
    with store.write() as conn:
        if conn.execute(select(h.c.scope).where(h.c.scope == scope, h.c.target == target)
                        ).first():
            return False
        conn.execute(insert(h).values(scope=scope, target=target, reason=reason,
                                      placed_by=actor, placed_at=to_db(now)))
    log.info("legal hold on %s %s placed by %s: %s", scope, target, actor, reason)
    return True


def remove_hold(store: Store, scope: str, target: str, actor: str | None = None) -> bool:
    h = t.legal_holds
    with store.write() as conn:
        removed = conn.execute(delete(h).where(h.c.scope == scope, h.c.target == target)
                               ).rowcount > 0
    if removed:
        log.info("legal hold on %s %s removed by %s", scope, target, actor)
    return removed


def holds(conn: Connection) -> list[dict[str, Any]]:
    h = t.legal_holds
    return [dict(row) for row in conn.execute(select(h).order_by(h.c.scope, h.c.target))
            .mappings()]


def held(conn: Connection) -> tuple[set[str], set[str]]:
    """(held instance ids, held definition keys)."""
    found: dict[str, set[str]] = {scope: set() for scope in SCOPES}
    for scope, target in conn.execute(select(t.legal_holds.c.scope, t.legal_holds.c.target)):
        found.setdefault(scope, set()).add(target)
    return found["instance"], found["definition"]


def due(conn: Connection, now: datetime, limit: int,
        skip: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """Finished instances past their policy's days and not held: id, definition_key,
    last_seq, last_hash and the `reason` their purge will record."""
    rules = policies(conn)
    held_ids, held_keys = held(conn)
    i = t.instances
    found: list[dict[str, Any]] = []
    for key, days in sorted(rules.items()):
        if key in held_keys:
            continue
        query = select(i.c.id, i.c.definition_key, i.c.last_seq, i.c.last_hash).where(
            i.c.status.in_(sorted(TERMINAL)), i.c.updated_at < to_db(now - timedelta(days=days)))
        if key == DEFAULT:
            query = query.where(i.c.definition_key.not_in(sorted({*rules, *held_keys})))
        else:
            query = query.where(i.c.definition_key == key)
        reason = f"retention: {'default' if key == DEFAULT else key} policy keeps {days} days"
        for row in conn.execute(query.order_by(i.c.updated_at, i.c.id)
                                .limit(limit + len(held_ids) + len(skip))).mappings():
            if row["id"] not in held_ids and row["id"] not in skip:
                found.append({**row, "reason": reason})
            if len(found) >= limit:
                return found
    return found
