"""The variables a task inbox shows as columns and searches: those a definition marks
`inbox: true`, less the ones the viewer may not see (restricted always, confidential without
`variables.confidential`), so a masked value is neither shown nor findable by search.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from runtime.instances import InstanceAccess
from runtime.people.tasks.model import Task
from runtime.people.tasks.tables import OPEN
from runtime.people.tasks.tables import tasks as tt
from runtime.store import schema as t
from runtime.store.json_paths import json_text
from shared.classification import hidden_names
from shared.definition import Definition


@dataclass(frozen=True)
class InboxValues:
    """Variable columns (in first-seen order) and, by instance id, business key and values."""

    columns: list[str] = field(default_factory=list)
    business_keys: dict[str, str | None] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)


def shown_variables(definition: Definition, sees_confidential: bool) -> list[str]:
    """The `inbox: true` variables of `definition` this viewer may see, in declared order."""
    hidden = hidden_names(definition, sees_confidential)
    return [v.name for v in definition.variables if v.inbox and v.name not in hidden]


def inbox_values(ledger: InstanceAccess, tasks: Iterable[Task],
                 sees_confidential: bool) -> InboxValues:
    """What the inbox shows beside `tasks`: one read of their instances."""
    tasks = list(tasks)
    if not tasks:
        return InboxValues()
    columns: list[str] = []
    shown: dict[str, list[str]] = {}
    i = t.instances
    with ledger.store.read() as conn:
        for task in tasks:
            names = _shown(ledger, conn, task.definition, task.version, sees_confidential)
            shown[task.instance_id] = names
            columns += [n for n in names if n not in columns]
        rows = conn.execute(select(i.c.id, i.c.business_key, i.c.variables)
                            .where(i.c.id.in_(sorted(shown)))).all()
    values = {r.id: {n: (r.variables or {}).get(n) for n in shown[r.id]
                     if n in (r.variables or {})} for r in rows}
    return InboxValues(columns, {r.id: r.business_key for r in rows}, values)


def search_condition(ledger: InstanceAccess, conn: Connection, pattern: str,
                     sees_confidential: bool) -> Any:
    """Open tasks whose instance has an inbox variable (visible to the viewer) whose value
    matches the ILIKE `pattern` (escaped with `\\`); None when no open task has one."""
    by_names: dict[tuple[str, tuple[str, ...]], list[int]] = {}
    versions = conn.execute(select(tt.c.definition_key, tt.c.version)
                            .where(tt.c.status == OPEN).distinct()).all()
    for key, version in versions:
        names = _shown(ledger, conn, key, version, sees_confidential)
        if names:
            by_names.setdefault((key, tuple(names)), []).append(version)
    column = t.instances.c.variables
    dialect = ledger.store.dialect
    matches = [and_(tt.c.definition_key == key, tt.c.version.in_(sorted(versions)),
                    or_(*(json_text(dialect, column, n).ilike(pattern, escape="\\")
                          for n in names)))
               for (key, names), versions in sorted(by_names.items())]
    return or_(*matches) if matches else None


def _shown(ledger: InstanceAccess, conn: Connection, key: str, version: int,
           sees_confidential: bool) -> list[str]:
    return shown_variables(ledger.definition_in(conn, key, version), sees_confidential)
