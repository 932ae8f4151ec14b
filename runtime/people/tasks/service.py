"""`engine.tasks`: the human-task inbox as a service (list, claim, unclaim, delegate, complete).

Every change runs through the ledger's writer with the instance row locked, updates the task
row with a conditional UPDATE (so of two racing claims exactly one matches), and appends its
`task_*` event through `InstanceAccess.persist`, the one event writer, so the hash chain holds.
Permissions are checked here, for every caller: the REST layer and the CLI only pass them on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, update

from runtime.core import step as steps
from runtime.core.clock import from_db, to_db
from runtime.core.errors import EngineError, NotFound
from runtime.core.events import NewEvent
from runtime.instances import InstanceAccess
from runtime.instances.ledger import screened_step
from runtime.people import notifications
from runtime.people.tasks import absence, forms, lifecycle, metrics
from runtime.people.tasks.errors import OutcomeInvalid, TaskConflict, TaskForbidden
from runtime.people.tasks.model import (
    TASK_CLAIMED,
    TASK_COMPLETED,
    TASK_DELEGATED,
    TASK_ESCALATED,
    TASK_UNCLAIMED,
    Caller,
    Task,
    TaskPage,
    priority_rank,
    raised,
)
from runtime.people.tasks.tables import CANCELLED, COMPLETED, OPEN
from runtime.people.tasks.tables import tasks as tt

MAX_PAGE = 500
SYSTEM_ACTOR = "system"
OUT_OF_OFFICE = "out_of_office"  # the `reason` of a hand-over by an absence rule
STATES = ("open", "unclaimed", "claimed", "completed", "cancelled")


class HumanTasks:
    def __init__(self, ledger: InstanceAccess) -> None:
        self.ledger = ledger

    def record(self, conn: Connection, before: steps.Snapshot, result: steps.StepResult,
               actor: str | None) -> None:
        """Called by `InstanceAccess.persist` for every step it writes (see `lifecycle`)."""
        lifecycle.record(self.ledger, conn, before, result, actor)

    # ---- reading -------------------------------------------------------------------------

    def list(self, who: Any, *, role: str | None = None, assignee: str | None = None,
             state: str | None = None, definition: str | None = None,
             overdue: bool | None = None, limit: int = 50, offset: int = 0) -> TaskPage:
        """The tasks `who` may see, most urgent first: priority, then due time, then age."""
        caller = Caller.of(who)
        now = self.ledger.clock.now()
        limit, offset = max(1, min(limit, MAX_PAGE)), max(0, offset)
        where = [] if caller.admin else [or_(tt.c.role.in_(sorted(caller.roles)),
                                             tt.c.assignee == caller.name)]
        where += _state_filter(state)
        if role:
            where.append(tt.c.role == role)
        if assignee:
            where.append(tt.c.assignee == assignee)
        if definition:
            where.append(tt.c.definition_key == definition)
        if overdue is not None:
            late = and_(tt.c.status == OPEN, tt.c.due_at <= to_db(now))
            where.append(late if overdue else ~late | tt.c.due_at.is_(None))
        order = (tt.c.priority_rank.desc(), tt.c.due_at.is_(None), tt.c.due_at,
                 tt.c.created_at, tt.c.id)
        with self.ledger.store.read() as conn:
            total = conn.execute(select(func.count()).select_from(tt).where(*where)).scalar()
            rows = conn.execute(select(tt).where(*where).order_by(*order)
                                .limit(limit).offset(offset)).all()
        return TaskPage([Task.from_row(r, now) for r in rows], total or 0, limit, offset)

    def get(self, task_id: str, who: Any) -> Task:
        caller = Caller.of(who)
        with self.ledger.store.read() as conn:
            row = _visible(conn, task_id, caller)
        return Task.from_row(row, self.ledger.clock.now())

    def metrics(self, definition: str | None = None) -> list[dict[str, Any]]:
        """Claim and completion times per definition, human state and role (dashboards)."""
        with self.ledger.store.read() as conn:
            return metrics.read(conn, definition)

    # ---- working a task ------------------------------------------------------------------

    def claim(self, task_id: str, who: Any) -> Task:
        """Take the task; a second claimer gets `TaskConflict` naming who has it."""
        caller = Caller.of(who)

        def change(conn: Connection, row: Any, now: datetime) -> NewEvent | None:
            if row.assignee == caller.name:
                return None  # claiming one's own task again changes nothing
            if not (caller.admin or row.role in caller.roles):
                raise _forbidden(caller, row, "claim")
            won = conn.execute(update(tt).where(
                tt.c.id == row.id, tt.c.assignee.is_(None), tt.c.status == OPEN,
            ).values(assignee=caller.name, claimed_at=row.claimed_at or to_db(now))).rowcount
            if not won:
                holder = conn.execute(select(tt.c.assignee).where(tt.c.id == row.id)).scalar()
                raise TaskConflict(f"task {row.id} is already claimed by {holder!r}",
                                   {"task": row.id, "assignee": holder})
            if row.claimed_at is None:
                seconds = (now - from_db(row.created_at)).total_seconds()
                metrics.bump(conn, row.definition_key, row.state_id, row.role, "claimed",
                             seconds)
            return NewEvent(TASK_CLAIMED, {"task_id": row.id, "assignee": caller.name})

        return self._change(task_id, caller, change)

    def unclaim(self, task_id: str, who: Any) -> Task:
        """Give the task back to its role's queue."""
        caller = Caller.of(who)

        def change(conn: Connection, row: Any, now: datetime) -> NewEvent:
            if row.assignee is None:
                raise TaskConflict(f"task {row.id} is not claimed", {"task": row.id})
            if row.assignee != caller.name and not caller.admin:
                raise TaskConflict(f"task {row.id} is claimed by {row.assignee!r}, not by "
                                   f"{caller.name!r}", {"task": row.id,
                                                        "assignee": row.assignee})
            conn.execute(update(tt).where(tt.c.id == row.id).values(assignee=None))
            return NewEvent(TASK_UNCLAIMED, {"task_id": row.id, "previous": row.assignee})

        return self._change(task_id, caller, change)

    def delegate(self, task_id: str, who: Any, *, to_user: str | None = None,
                 to_role: str | None = None) -> Task:
        """Hand the task to a named user (who becomes its assignee) or to another role."""
        caller = Caller.of(who)
        if (to_user is None) == (to_role is None):
            raise EngineError("delegate to exactly one of a user or a role",
                              {"to_user": to_user, "to_role": to_role})

        def change(conn: Connection, row: Any, now: datetime) -> NewEvent:
            if not row.allow_delegation:
                raise TaskConflict(f"state {row.state_id!r} does not allow delegating its "
                                   f"tasks (task {row.id})", {"task": row.id})
            mine = row.assignee == caller.name or (row.assignee is None
                                                   and row.role in caller.roles)
            if not (mine or caller.admin):
                raise _forbidden(caller, row, "delegate")
            values = ({"assignee": to_user} if to_user else {"role": to_role, "assignee": None})
            conn.execute(update(tt).where(tt.c.id == row.id).values(
                delegated_by=caller.name, claimed_at=row.claimed_at or (
                    to_db(now) if to_user else None), **values))
            task = Task.from_row(conn.execute(select(tt).where(tt.c.id == row.id)).one(), now)
            notifications.enqueue(conn, "task_delegated", task.to_json(), now)
            delegated = NewEvent(TASK_DELEGATED, {"task_id": row.id,
                                                  "from": row.assignee or row.role,
                                                  "to_user": to_user, "to_role": to_role})
            if to_user is None:
                return delegated
            _append(self.ledger, conn, row.instance_id, delegated, caller.name)
            return _hand_over(conn, row.id, now)  # when `to_user` is out of office

        return self._change(task_id, caller, change)

    # ---- out of office -------------------------------------------------------------------

    def set_out_of_office(self, username: str, starts_at: datetime, ends_at: datetime,
                          delegate_to: str | None = None, actor: str | None = None
                          ) -> absence.Absence:
        """Mark `username` away (replacing an earlier mark); tasks already assigned to them
        are handed over at once when the period has begun, later ones by the sweep."""
        def work(conn: Connection) -> absence.Absence:
            return absence.put(conn, username, starts_at, ends_at, delegate_to, actor,
                               self.ledger.clock.now())

        marked = self.ledger.writer.submit(work, None)
        self.hand_over_absent()
        return marked

    def clear_out_of_office(self, username: str) -> None:
        self.ledger.writer.submit(lambda conn: absence.remove(conn, username), None)

    def out_of_office(self, username: str) -> absence.Absence | None:
        with self.ledger.store.read() as conn:
            return absence.of(conn, username)

    def absences(self) -> list[absence.Absence]:
        with self.ledger.store.read() as conn:
            return absence.listed(conn)

    def hand_over_absent(self) -> int:
        """Hand the open tasks assigned to users who are away now over by their rule."""
        now = self.ledger.clock.now()
        with self.ledger.store.read() as conn:
            away = absence.away_now(conn, now)
            held = [] if not away else conn.execute(select(tt.c.id, tt.c.instance_id).where(
                tt.c.status == OPEN, tt.c.assignee.in_(away)).order_by(tt.c.id)).all()
        for task_id, instance_id in held:
            self.ledger.writer.submit(
                lambda conn, t=task_id, i=instance_id: self._hand_over_held(conn, t, i),
                instance_id)
        return len(held)

    def _hand_over_held(self, conn: Connection, task_id: str, instance_id: str) -> None:
        event = _hand_over(conn, task_id, self.ledger.clock.now())
        if event is not None:
            _append(self.ledger, conn, instance_id, event, SYSTEM_ACTOR)

    def complete(self, task_id: str, who: Any, outcome: str,
                 data: dict[str, Any] | None = None) -> Task:
        """Finish the task with `outcome` (one of its events) and form `data`.

        Invalid data raises `FormInvalid` with a problem per field and changes nothing; valid
        data is merged into the instance variables as the instance takes the outcome's
        transition, all in one transaction.
        """
        caller = Caller.of(who)

        def work(conn: Connection) -> Task:
            ledger, now = self.ledger, self.ledger.clock.now()
            row = _open_task(conn, _visible(conn, task_id, caller))
            if row.assignee != caller.name and not caller.admin:
                holder = f"claimed by {row.assignee!r}" if row.assignee else "not claimed"
                raise TaskConflict(f"task {task_id} is {holder}; claim it before completing it",
                                   {"task": task_id, "assignee": row.assignee})
            if outcome not in row.outcomes:
                raise OutcomeInvalid(
                    f"task {task_id} cannot be completed with {outcome!r}; its outcomes are: "
                    f"{', '.join(row.outcomes)}", {"outcome": outcome, "allowed": row.outcomes})
            values = forms.check_form(row.form or [], data or {}, task_id)
            instance = ledger.store.instance_row_locked(conn, row.instance_id)
            before = _same_visit(ledger, instance, row)
            definition = ledger.definition_in(conn, before.definition, before.version)
            done = NewEvent(TASK_COMPLETED, {"task_id": task_id, "outcome": outcome,
                                             "fields": sorted(values)})
            middle = steps.apply(before, before.seq + 1, done.type, done.data)
            moved = screened_step(definition, middle, outcome, values, "task", now,
                                  visit=row.entered_seq)
            ledger.persist(conn, before, steps.StepResult(
                moved.snapshot, [done, *moved.events], moved.effects), caller.name, instance)
            return Task.from_row(conn.execute(select(tt).where(tt.c.id == task_id)).one(), now)

        return self.ledger.writer.submit(work, self._instance_of(task_id))

    # ---- SLA -----------------------------------------------------------------------------

    def sweep(self) -> int:
        """Mark open tasks past due as overdue; re-offer those with `escalate_to` to that role
        with raised priority; hand over tasks of users out of office. Idempotent, and it
        reads due times from the store, so a sweep after a restart catches every task that
        fell due while nothing ran."""
        now = self.ledger.clock.now()
        with self.ledger.store.read() as conn:
            due = conn.execute(select(tt.c.id, tt.c.instance_id).where(
                tt.c.status == OPEN, tt.c.overdue.is_(False), tt.c.due_at <= to_db(now),
            ).order_by(tt.c.due_at)).all()
        for task_id, instance_id in due:
            self.ledger.writer.submit(lambda conn, t=task_id: self._mark_overdue(conn, t),
                                      instance_id)
        self.hand_over_absent()
        return len(due)

    def _mark_overdue(self, conn: Connection, task_id: str) -> None:
        now = self.ledger.clock.now()
        row = conn.execute(select(tt).where(tt.c.id == task_id)).one()
        if row.status != OPEN or row.overdue:
            return  # completed meanwhile, or another sweeper got there first
        values: dict[str, Any] = {"overdue": True}
        escalate = bool(row.escalate_to) and not row.escalated
        if escalate:
            priority = raised(row.priority)
            values |= {"role": row.escalate_to, "assignee": None, "escalated": True,
                       "priority": priority, "priority_rank": priority_rank(priority)}
        conn.execute(update(tt).where(tt.c.id == task_id).values(**values))
        task = Task.from_row(conn.execute(select(tt).where(tt.c.id == task_id)).one(), now)
        if not escalate:
            notifications.enqueue(conn, "task_overdue", task.to_json(), now)
            return
        metrics.bump(conn, row.definition_key, row.state_id, row.role, "escalated")
        notifications.enqueue(conn, "task_escalated", task.to_json(), now)
        _append(self.ledger, conn, row.instance_id, NewEvent(TASK_ESCALATED, {
            "task_id": task_id, "from_role": row.role, "to_role": row.escalate_to,
            "priority": task.priority, "previous_assignee": row.assignee}), SYSTEM_ACTOR)

    # ---- helpers -------------------------------------------------------------------------

    def _change(self, task_id: str, caller: Caller, change: Any) -> Task:
        """Run `change(conn, row, now)` on the open task in a write transaction; append the
        event it returns to the instance log (a hand-over for someone out of office, whose
        actor is `system`, is marked by its `reason`)."""
        def work(conn: Connection) -> Task:
            now = self.ledger.clock.now()
            row = _open_task(conn, _visible(conn, task_id, caller))
            event = change(conn, row, now)
            if event is not None:
                actor = SYSTEM_ACTOR if event.data.get("reason") == OUT_OF_OFFICE else (
                    caller.name)
                _append(self.ledger, conn, row.instance_id, event, actor)
            return Task.from_row(conn.execute(select(tt).where(tt.c.id == task_id)).one(), now)

        return self.ledger.writer.submit(work, self._instance_of(task_id))

    def open_task_of(self, instance_id: str) -> tuple[str, str | None] | None:
        """(id, assignee) of the instance's open task, if it waits in a human state."""
        with self.ledger.store.read() as conn:
            row = conn.execute(select(tt.c.id, tt.c.assignee).where(
                tt.c.instance_id == instance_id, tt.c.status == OPEN).limit(1)).first()
        return None if row is None else (row.id, row.assignee)

    def _instance_of(self, task_id: str) -> str | None:
        with self.ledger.store.read() as conn:
            return conn.execute(select(tt.c.instance_id).where(tt.c.id == task_id)).scalar()


def _hand_over(conn: Connection, task_id: str, now: datetime) -> NewEvent | None:
    """Pass an open task whose assignee is out of office on by their rule; None when the
    assignee is in (or the task is no longer open)."""
    row = conn.execute(select(tt).where(tt.c.id == task_id)).one()
    if row.status != OPEN or row.assignee is None:
        return None
    found = absence.stand_in(conn, row.assignee, now)
    if found is None:
        return None
    to_user, passed = found
    conn.execute(update(tt).where(tt.c.id == task_id).values(
        assignee=to_user, delegated_by=passed[-1]))
    task = Task.from_row(conn.execute(select(tt).where(tt.c.id == task_id)).one(), now)
    notifications.enqueue(conn, "task_delegated", task.to_json(), now)
    return NewEvent(TASK_DELEGATED, {
        "task_id": task_id, "from": row.assignee, "to_user": to_user,
        "to_role": None if to_user else row.role, "reason": OUT_OF_OFFICE,
        "away": passed})


def _visible(conn: Connection, task_id: str, caller: Caller) -> Any:
    row = conn.execute(select(tt).where(tt.c.id == task_id)).first()
    if row is None:
        raise NotFound(f"no task {task_id!r}", {"task": task_id})
    if not caller.sees(row):
        raise _forbidden(caller, row, "see")
    return row


def _open_task(conn: Connection, row: Any) -> Any:
    if row.status != OPEN:
        raise TaskConflict(f"task {row.id} is {row.status}", {"task": row.id,
                                                               "state": row.status})
    return row


def _forbidden(caller: Caller, row: Any, act: str) -> TaskForbidden:
    held = ", ".join(sorted(caller.roles)) or "no roles"
    return TaskForbidden(f"user {caller.name!r} ({held}) may not {act} task {row.id}: it is "
                         f"for role {row.role!r}", {"task": row.id, "role": row.role})


def _same_visit(ledger: InstanceAccess, instance: Any, row: Any) -> steps.Snapshot:
    before = ledger.unsealed(instance)
    if not before.visiting(row.state_id, row.entered_seq):
        where = ", ".join(repr(s) for s in before.active_states) or repr(before.state)
        raise TaskConflict(f"instance {row.instance_id} is {before.status} in {where}; "
                           f"task {row.id} cannot be completed now",
                           {"task": row.id, "status": before.status})
    return before


def _append(ledger: InstanceAccess, conn: Connection, instance_id: str, event: NewEvent,
            actor: str) -> None:
    """Append one task event to the instance log through the ledger's event writer."""
    row = ledger.store.instance_row_locked(conn, instance_id)
    before = ledger.unsealed(row)
    after = steps.apply(before, before.seq + 1, event.type, event.data)
    ledger.persist(conn, before, steps.StepResult(after, [event], []), actor, row)


def _state_filter(state: str | None) -> list[Any]:
    if state is None:
        return []
    if state not in STATES:
        raise EngineError(f"task state {state!r} is unknown; use one of {', '.join(STATES)}",
                          {"state": state})
    return {
        "open": [tt.c.status == OPEN],
        "unclaimed": [tt.c.status == OPEN, tt.c.assignee.is_(None)],
        "claimed": [tt.c.status == OPEN, tt.c.assignee.is_not(None)],
        "completed": [tt.c.status == COMPLETED],
        "cancelled": [tt.c.status == CANCELLED],
    }[state]
