"""The two queues of a person's inbox, as the web page shows them: overdue tasks first.

`HumanTasks.list` orders for the REST API (priority, due, age); a person working the inbox
must see what is already late before anything else, so these queries put overdue tasks on
top and then follow the same order. Visibility is the service's rule (`Caller.sees`).
The search also finds a task by its instance's business key and by the value of a variable
its definition shows in the inbox (`inbox_columns`), never by one the viewer may not see.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, case, func, or_, select

from runtime.core.clock import to_db
from runtime.instances import InstanceAccess
from runtime.people.tasks.inbox_columns import search_condition
from runtime.people.tasks.model import Caller, Task, TaskPage
from runtime.people.tasks.tables import OPEN
from runtime.people.tasks.tables import tasks as tt
from runtime.store import schema as t

MAX_ROWS = 500
_SEARCHED = (tt.c.id, tt.c.name, tt.c.definition_key, tt.c.state_id, tt.c.instance_id,
             tt.c.role, tt.c.assignee)


def mine(ledger: InstanceAccess, who: Any, search: str | None = None, limit: int = 200,
         definition: str | None = None, sees_confidential: bool = False) -> TaskPage:
    """Open tasks assigned to `who`: claimed by them or delegated to them by name.
    `sees_confidential`: the viewer may see confidential values (search finds them)."""
    caller = Caller.of(who)
    return _query(ledger, [tt.c.assignee == caller.name], search, limit, definition,
                  sees_confidential)


def for_my_roles(ledger: InstanceAccess, who: Any, search: str | None = None, limit: int = 200,
                 definition: str | None = None, sees_confidential: bool = False) -> TaskPage:
    """Open tasks offered to a role `who` holds and not assigned to them (claimed by a
    colleague included, so the team sees who has what). Admins see every role's tasks."""
    caller = Caller.of(who)
    where = [or_(tt.c.assignee.is_(None), tt.c.assignee != caller.name)]
    if not caller.admin:
        where.append(tt.c.role.in_(sorted(caller.roles)))
    return _query(ledger, where, search, limit, definition, sees_confidential)


def _query(ledger: InstanceAccess, where: list[Any], search: str | None, limit: int,
           definition: str | None, sees_confidential: bool) -> TaskPage:
    now = ledger.clock.now()
    limit = max(1, min(limit, MAX_ROWS))
    where = [tt.c.status == OPEN, *where]
    if definition:
        where.append(tt.c.definition_key == definition)
    order = (_late_first(now), tt.c.priority_rank.desc(), tt.c.due_at.is_(None), tt.c.due_at,
             tt.c.created_at, tt.c.id)
    source: Any = tt
    with ledger.store.read() as conn:
        matching = _matching(ledger, conn, search, sees_confidential)
        if matching is not None:
            source = tt.join(t.instances, t.instances.c.id == tt.c.instance_id)
            where.append(matching)
        total = conn.execute(select(func.count()).select_from(source).where(*where)).scalar()
        rows = conn.execute(select(tt).select_from(source).where(*where).order_by(*order)
                            .limit(limit)).all()
    return TaskPage([Task.from_row(r, now) for r in rows], total or 0, limit, 0)


def _late_first(now: datetime) -> Any:
    late = or_(tt.c.overdue.is_(True), and_(tt.c.due_at.is_not(None),
                                            tt.c.due_at <= to_db(now)))
    return case((late, 0), else_=1)


def _matching(ledger: InstanceAccess, conn: Connection, search: str | None,
              sees_confidential: bool) -> Any:
    """Case-insensitive substring match on the task's id, name, definition, state, instance,
    role or assignee, the instance's business key, or an inbox variable's value; `%` and `_`
    in the search text are matched literally. None: no search."""
    text = (search or "").strip()
    if not text:
        return None
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    found = [column.ilike(pattern, escape="\\") for column in _SEARCHED]
    found.append(t.instances.c.business_key.ilike(pattern, escape="\\"))
    by_variable = search_condition(ledger, conn, pattern, sees_confidential)
    if by_variable is not None:
        found.append(by_variable)
    return or_(*found)
