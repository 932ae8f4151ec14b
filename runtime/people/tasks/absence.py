"""Out of office: a user away from `starts_at` until `ends_at` hands the tasks assigned to
them on by a rule: to a named stand-in (`delegate_to`), or back to the task's role queue so
the role's other members can claim it (no stand-in named).

A stand-in who is away too passes the task on by their own rule; a ring of stand-ins, or a
chain that leads nowhere, ends in the role queue. `HumanTasks` applies the rule when a task
is delegated to someone away and, on its sweep, to tasks already assigned when an absence
begins; each hand-over is a `task_delegated` event by `system` with `reason: out_of_office`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from runtime.core.clock import from_db, to_db
from runtime.core.errors import EngineError, NotFound
from runtime.people.tasks.tables import absences as ab

MAX_CHAIN = 16  # stand-ins followed before the task goes to its role queue


@dataclass(frozen=True)
class Absence:
    username: str
    starts_at: datetime
    ends_at: datetime
    delegate_to: str | None
    set_by: str | None

    @classmethod
    def from_row(cls, row: Any) -> Absence:
        return cls(row.username, from_db(row.starts_at), from_db(row.ends_at), row.delegate_to,
                   row.set_by)

    def active(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at

    def to_json(self, now: datetime) -> dict[str, Any]:
        return {"username": self.username, "from": self.starts_at.isoformat(),
                "until": self.ends_at.isoformat(), "delegate_to": self.delegate_to,
                "rule": "user" if self.delegate_to else "role", "active": self.active(now),
                "set_by": self.set_by}


def put(conn: Connection, username: str, starts_at: datetime, ends_at: datetime,
        delegate_to: str | None, actor: str | None, now: datetime) -> Absence:
    """Set (or replace) the user's absence; the period must run forward and not be over."""
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise EngineError("out of office: give times with a time zone (or in UTC, ending "
                          "in Z)", {"from": str(starts_at), "until": str(ends_at)})
    if ends_at <= starts_at:
        raise EngineError(f"out of office: 'until' ({ends_at.isoformat()}) must be after "
                          f"'from' ({starts_at.isoformat()})", {"user": username})
    if ends_at <= now:
        raise EngineError(f"out of office: 'until' ({ends_at.isoformat()}) is already past",
                          {"user": username})
    if delegate_to == username:
        raise EngineError(f"out of office: {username!r} cannot stand in for themselves; name "
                          "someone else, or leave the delegate out for the role's queue",
                          {"user": username})
    values = {"starts_at": to_db(starts_at), "ends_at": to_db(ends_at),
              "delegate_to": delegate_to, "set_by": actor, "set_at": to_db(now)}
    if conn.execute(update(ab).where(ab.c.username == username).values(**values)).rowcount == 0:
        conn.execute(insert(ab).values(username=username, **values))
    return Absence(username, starts_at, ends_at, delegate_to, actor)


def remove(conn: Connection, username: str) -> None:
    if conn.execute(delete(ab).where(ab.c.username == username)).rowcount == 0:
        raise NotFound(f"{username!r} is not marked out of office", {"user": username})


def of(conn: Connection, username: str) -> Absence | None:
    row = conn.execute(select(ab).where(ab.c.username == username)).first()
    return None if row is None else Absence.from_row(row)


def listed(conn: Connection) -> list[Absence]:
    return [Absence.from_row(r) for r in conn.execute(select(ab).order_by(ab.c.username))]


def away_now(conn: Connection, now: datetime) -> list[str]:
    """The users whose absence runs at `now`."""
    at = to_db(now)
    return list(conn.execute(select(ab.c.username).where(
        ab.c.starts_at <= at, ab.c.ends_at > at)).scalars())


def stand_in(conn: Connection, username: str, now: datetime) -> tuple[str | None, list[str]] | None:
    """Where a task assigned to `username` goes at `now`: None when they are in; else the
    user who gets it (None: the role queue) and the absent users it passed."""
    passed: list[str] = []
    current: str | None = username
    while current is not None:
        absence = of(conn, current)
        if absence is None or not absence.active(now):
            return None if not passed else (current, passed)
        passed.append(current)
        current = absence.delegate_to
        if current in passed or len(passed) >= MAX_CHAIN:
            current = None
    return None, passed
