"""Saved inbox views: a user names the inbox's current filter and search to reopen it later.

Views are private to their user; saving under a name already used replaces that view.
Only the filters the inbox knows are stored, each a short text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from runtime.core.clock import from_db, to_db
from runtime.core.errors import EngineError, NotFound
from runtime.instances import InstanceAccess
from runtime.people.tasks.tables import saved_views as sv

FILTERS = ("search", "definition")
MAX_NAME = 80
MAX_VALUE = 200


@dataclass(frozen=True)
class SavedView:
    name: str
    filters: dict[str, str]
    saved_at: datetime


def save(ledger: InstanceAccess, username: str, name: str, filters: dict[str, Any]
         ) -> SavedView:
    """Store `filters` as `username`'s view `name` (replacing one of that name)."""
    view = SavedView(_checked_name(name), _checked_filters(filters), ledger.clock.now())

    def work(conn: Connection) -> SavedView:
        values = {"filters": view.filters, "saved_at": to_db(view.saved_at)}
        mine = _mine(username, view.name)
        if conn.execute(update(sv).where(*mine).values(**values)).rowcount == 0:
            conn.execute(insert(sv).values(username=username, name=view.name, **values))
        return view

    return ledger.writer.submit(work, None)


def listed(ledger: InstanceAccess, username: str) -> list[SavedView]:
    """`username`'s views by name."""
    with ledger.store.read() as conn:
        rows = conn.execute(select(sv).where(sv.c.username == username)
                            .order_by(sv.c.name)).all()
    return [SavedView(r.name, dict(r.filters or {}), from_db(r.saved_at)) for r in rows]


def remove(ledger: InstanceAccess, username: str, name: str) -> None:
    def work(conn: Connection) -> None:
        if conn.execute(delete(sv).where(*_mine(username, name))).rowcount == 0:
            raise NotFound(f"you have no saved view named {name!r}", {"view": name})

    ledger.writer.submit(work, None)


def _mine(username: str, name: str) -> tuple[Any, Any]:
    return sv.c.username == username, sv.c.name == name


def _checked_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise EngineError("give the view a name", {"field": "name"})
    if len(name) > MAX_NAME:
        raise EngineError(f"a view's name has at most {MAX_NAME} characters "
                          f"({len(name)} given)", {"field": "name"})
    return name


def _checked_filters(filters: dict[str, Any]) -> dict[str, str]:
    unknown = sorted(set(filters) - set(FILTERS))
    if unknown:
        raise EngineError(f"a view cannot keep {', '.join(unknown)}; it keeps "
                          f"{', '.join(FILTERS)}", {"field": "filters"})
    kept = {k: str(v).strip() for k, v in filters.items() if v not in (None, "")}
    long = [k for k, v in kept.items() if len(v) > MAX_VALUE]
    if long:
        raise EngineError(f"{long[0]} is longer than {MAX_VALUE} characters",
                          {"field": long[0]})
    return {k: v for k, v in kept.items() if v}
