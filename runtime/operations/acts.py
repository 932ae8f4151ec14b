"""Operator actions on instances: suspend, resume, cancel, retry, move, set-vars, migrate,
rollback, and erase (crypto-shredding, admin only where callers check permissions).

Each needs a reason and appends one audited event (actor = the operator, `reason` in its
data) in the same transaction as its effects on the instance's jobs. Everything is checked
before anything is written, so a refused action changes nothing. A suspended instance's
jobs are parked (kept with their due time and attempt count) and go back to ready on resume.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select, update

from runtime.core import events as ev
from runtime.core import step as steps
from runtime.core.errors import EngineError, NotFound
from runtime.core.variables import check_values
from runtime.core.views import Instance
from runtime.execution import saga
from runtime.instances import InstanceAccess
from runtime.store import schema as t

JOB_PARKED = "parked"
STATE_JOBS = ("action", "timer", "subprocess")  # the work of the current state visit
LIVE = ("running", "suspended", "incident")


class OperationRefused(EngineError):
    """The instance is in a status (or situation) where this operation makes no sense."""

    code = "operation-refused"
    status = 409


class OperationInvalid(EngineError):
    """The operation's request is incomplete or names something that does not exist."""

    code = "operation-invalid"
    status = 422


@dataclass
class _Call:
    ledger: InstanceAccess
    conn: Connection
    row: Any
    before: steps.Snapshot
    definition: Any
    actor: str | None
    reason: str
    params: dict[str, Any] = field(default_factory=dict)

    def note(self, type_: str, status: str, **data: Any) -> ev.NewEvent:
        return ev.NewEvent(type_, {"reason": self.reason, "status": status, **data})

    def write(self, new: list[ev.NewEvent], entered: str | None = None,
              definition: Any = None, token: str = steps.ROOT,
              more: tuple[tuple[str, str], ...] = ()) -> steps.Snapshot:
        """Append `new`, then (optionally) enter state `entered` as arriving there does,
        moving `token` (a parallel branch, or the instance itself); `more` are further
        (token, state) entries."""
        after = steps.apply_all(self.before, new)
        effects: list[steps.Effect] = []
        entries = ((token, entered),) if entered is not None else ()
        for who, state in (*entries, *more):
            result = steps.enter_state(definition or self.definition, after, state,
                                       self.ledger.clock.now(), who)
            new, after = [*new, *result.events], result.snapshot
            effects += result.effects
        self.ledger.persist(self.conn, self.before, steps.StepResult(after, new, effects),
                            self.actor, self.row)
        return after


def perform(ledger: InstanceAccess, instance_id: str, operation: str, reason: str | None,
            actor: str | None = None, **params: Any) -> Instance:
    """Carry out `operation` on one instance; returns the instance after it."""
    allowed, handler = _spec(operation)
    if not isinstance(reason, str) or not reason.strip():
        raise OperationInvalid(f"{operation} needs a reason (it is recorded in the audit log)",
                               {"operation": operation, "field": "reason"})

    def work(conn: Connection) -> None:
        row = ledger.store.instance_row_locked(conn, instance_id)
        if row is None:
            raise NotFound(f"no instance {instance_id!r}", {"instance": instance_id})
        before = ledger.unsealed(row)
        if before.status not in allowed:
            raise OperationRefused(
                f"cannot {operation} instance {instance_id}: it is {before.status}; "
                f"{operation} needs it {' or '.join(allowed)}",
                {"operation": operation, "status": before.status, "allowed": list(allowed)})
        definition = ledger.definition_in(conn, before.definition, before.version)
        handler(_Call(ledger, conn, row, before, definition, actor, reason.strip(), params))

    ledger.writer.submit(work, instance_id)
    return ledger.get(instance_id)


def perform_batch(ledger: InstanceAccess, operation: str, filters: dict[str, Any],
                  reason: str | None, actor: str | None = None,
                  **params: Any) -> list[dict[str, Any]]:
    """`perform` on every instance matching `filters`; one result per instance, never raising."""
    _spec(operation)
    filters = {k: v for k, v in filters.items() if v is not None}
    if not filters:
        raise OperationInvalid(f"a batch {operation} needs a filter (definition, version, "
                               "status, state or business_key); it would touch every instance",
                               {"field": "filter"})
    ids: list[str] = []
    while True:
        page = ledger.list_instances(**filters, limit=500, offset=len(ids))
        ids += [i.id for i in page.items]
        if not page.items or len(ids) >= page.total:
            break
    results = []
    for iid in ids:
        try:
            after = perform(ledger, iid, operation, reason, actor, **params)
            results.append({"id": iid, "ok": True, "status": after.status, "state": after.state})
        except EngineError as exc:
            results.append({"id": iid, "ok": False, "error": {
                "code": exc.code, "message": exc.message, "details": exc.details}})
    return results


def _spec(operation: str) -> tuple[tuple[str, ...], Callable[[_Call], None]]:
    spec = OPERATIONS.get(operation)
    if spec is None:
        raise NotFound(f"there is no operation {operation!r}; operations: "
                       f"{', '.join(OPERATIONS)}", {"operation": operation,
                                                    "operations": list(OPERATIONS)})
    return spec


def _set_jobs(call: _Call, from_states: tuple[str, ...], to_state: str,
              kinds: tuple[str, ...] = STATE_JOBS) -> None:
    j = t.jobs
    call.ledger.store.flush_jobs(call.conn)
    call.conn.execute(update(j).where(
        j.c.instance_id == call.before.id, j.c.kind.in_(kinds), j.c.state.in_(from_states),
    ).values(state=to_state, leased_by=None, lease_until=None))


def _drop_state_jobs(call: _Call) -> None:
    _set_jobs(call, (t.JOB_READY, t.JOB_LEASED, JOB_PARKED), t.JOB_CANCELLED)


def _suspend(call: _Call) -> None:
    _set_jobs(call, (t.JOB_READY, t.JOB_LEASED), JOB_PARKED)  # a running action's result is
    call.write([call.note(ev.SUSPENDED, "suspended")])       # dropped; it runs again on resume


def _resume(call: _Call) -> None:
    _set_jobs(call, (JOB_PARKED,), t.JOB_READY)
    call.write([call.note(ev.RESUMED, "running")])
    call.ledger.job_scheduled.set()


def _cancel(call: _Call) -> None:
    _drop_state_jobs(call)
    call.write([ev.NewEvent(ev.CANCELLED, {"reason": call.reason})])
    _cancel_child(call)


def _cancel_child(call: _Call) -> None:
    """Cancelling a parent waiting in subprocess states (one per branch) cancels the children."""
    for _, state_id, entered_seq in call.before.visits():
        state = call.definition.state(state_id or "")
        if state is None or state.type != "subprocess":
            continue
        child_id = steps.child_instance_id(call.before.id, entered_seq)
        row = call.ledger.store.instance_row_locked(call.conn, child_id)
        if row is None:
            continue
        child = call.ledger.unsealed(row)
        if child.status in LIVE:
            definition = call.ledger.definition_in(call.conn, child.definition, child.version)
            _cancel(_Call(call.ledger, call.conn, row, child, definition, call.actor,
                          f"parent {call.before.id} cancelled: {call.reason}"))


def _retry(call: _Call) -> None:
    log = [(r.seq, r.type, r.data) for r in call.ledger.store.event_rows(call.conn,
                                                                       call.before.id)]
    if any(type_ == saga.COMPENSATION_FAILED for _, type_, _ in log[-2:]):
        last = max(i for i, (_, type_, _) in enumerate(log) if type_ == ev.INCIDENT)
        earlier = steps.replay(call.before.id, log[:last]).status
        after = call.write([call.note(ev.RETRIED, earlier, compensation=True)])
        saga.start_saga(call.ledger, call.conn, call.before.id, after.seq)
        return
    if call.before.branches:
        _retry_branches(call, log)
        return
    _drop_state_jobs(call)
    call.write([call.note(ev.RETRIED, "running")], entered=call.before.state)


def _retry_branches(call: _Call, log: list[tuple[int, str, dict[str, Any]]]) -> None:
    """Re-enter the branch the incident came from, and every branch whose job was dropped
    while the instance stood still (its result came while it was not running)."""
    failed = next((data.get("branch") for _, type_, data in reversed(log)
                   if type_ == ev.INCIDENT), None)
    call.ledger.store.flush_jobs(call.conn)
    live = _live_job_ids(call)
    again = []
    for token, state_id, seq in call.before.visits():
        state = call.definition.state(state_id or "")
        needs_job = state is not None and state.type in ("task", "timer", "subprocess")
        if token == failed or (needs_job and steps.job_id(call.before.id, seq) not in live):
            again.append((token, state_id, seq))
    for _, _, seq in again:
        call.ledger.store.cancel_job(call.conn, steps.job_id(call.before.id, seq))
    call.write([call.note(ev.RETRIED, "running")],
               more=tuple((token, state) for token, state, _ in again))


def _live_job_ids(call: _Call) -> set[str]:
    j = t.jobs
    return set(call.conn.execute(select(j.c.id).where(
        j.c.instance_id == call.before.id,
        j.c.state.in_((t.JOB_READY, t.JOB_LEASED, JOB_PARKED)))).scalars())


def _branch_of(call: _Call) -> tuple[str, int]:
    """The branch `move` moves: the one in the state named by `from` (needed only while the
    instance runs parallel branches)."""
    if not call.before.branches:
        return steps.ROOT, call.before.entered_seq
    source = call.params.get("from")
    visits = {state: (token, seq) for token, state, seq in call.before.visits() if state}
    if source not in visits:
        raise OperationInvalid(
            f"instance {call.before.id} runs parallel branches (in {', '.join(visits)}): "
            "name the branch to move with `from`, one of those states",
            {"from": source, "active_states": list(visits)})
    return visits[source]


def _move(call: _Call) -> None:
    target = call.params.get("to")
    states = [s.id for s in call.definition.states]
    if target not in states:
        raise OperationInvalid(f"move needs `to`, one of the states of version "
                               f"{call.before.version}: {', '.join(states)}",
                               {"to": target, "states": states})
    call.ledger.store.flush_jobs(call.conn)
    if saga.in_progress(call.conn, call.before.id):
        raise OperationRefused(f"instance {call.before.id} is being rolled back; move it "
                               "once its compensations are done", {"status": call.before.status})
    token, seq = _branch_of(call)
    if token == steps.ROOT:
        _drop_state_jobs(call)
        source = call.before.state
    else:
        call.ledger.store.cancel_job(call.conn, steps.job_id(call.before.id, seq))
        source = call.before.position(token)[0]
    branch = {"branch": token} if token else {}
    call.write([call.note(ev.MOVED, "running", **{"from": source, "to": target}, **branch)],
               entered=target, token=token)


def _set_vars(call: _Call) -> None:
    values = call.params.get("variables")
    if not isinstance(values, dict) or not values:
        raise OperationInvalid("set-vars needs `variables`, an object of the values to set",
                               {"field": "variables"})
    checked = check_values(call.definition, values, "the variables to set")
    call.write([ev.NewEvent(ev.VARIABLES_SET, {"values": checked, "reason": call.reason})])


def _migrate(call: _Call) -> None:
    ledger, before = call.ledger, call.before
    version, mapping = call.params.get("version"), call.params.get("mapping") or {}
    if not isinstance(version, int) or version == before.version:
        raise OperationInvalid(f"migrate needs `version`, another version of "
                               f"{before.definition!r} (it is on {before.version})",
                               {"version": version})
    if not isinstance(mapping, dict):
        raise OperationInvalid("`mapping` must be an object {old state: new state}",
                               {"mapping": mapping})
    target = ledger.definition_in(call.conn, before.definition, version)
    known = {s.id for s in target.states}
    wrong = sorted(str(v) for v in mapping.values() if v not in known)
    if wrong:
        raise OperationInvalid(f"the mapping names states version {version} does not have: "
                               f"{', '.join(wrong)}", {"unknown": wrong})
    if before.branches:
        _migrate_branches(call, target, version, mapping, known)
        return
    unmapped = [before.state] if before.state not in known and before.state not in mapping else []
    if unmapped:
        raise OperationInvalid(
            f"version {version} has no state {before.state!r}; map it: "
            f"mapping {{\"{before.state}\": \"<state of version {version}>\"}}",
            {"unmapped": unmapped})
    moved_to = mapping.get(before.state)
    if moved_to is not None and moved_to != before.state:
        _drop_state_jobs(call)
    note = call.note(ev.MIGRATED, before.status, from_version=before.version,
                     to_version=version, mapping=mapping)
    call.write([note], entered=moved_to if moved_to != before.state else None,
               definition=target)
    i = t.instances
    call.conn.execute(update(i).where(i.c.id == before.id).values(version=version))


def _migrate_branches(call: _Call, target: Any, version: int, mapping: dict[str, str],
                      known: set[str]) -> None:
    """Migrate an instance inside a fork: each moving branch's state is mapped (and
    re-entered when the mapping moves it); forks and joins where branches wait must stay."""
    before = call.before
    unmapped = sorted({s for _, s, _ in before.visits() if s not in known and s not in mapping})
    held = {before.state or "", *(b.state for b in before.branches)} - {
        s or "" for _, s, _ in before.visits()}
    moved_held = sorted(s for s in held if s not in known or mapping.get(s, s) != s)
    if unmapped or moved_held:
        raise OperationInvalid(
            f"version {version} must keep, or the mapping must map, the states of every "
            f"branch: unmapped {', '.join(unmapped) or '-'}; forks and joins that cannot "
            f"move while branches wait there: {', '.join(moved_held) or '-'}",
            {"unmapped": unmapped, "fixed": moved_held})
    moves = [(token, mapping[s], seq) for token, s, seq in before.visits()
             if s in mapping and mapping[s] != s]
    for _, _, seq in moves:
        call.ledger.store.cancel_job(call.conn, steps.job_id(before.id, seq))
    note = call.note(ev.MIGRATED, before.status, from_version=before.version,
                     to_version=version, mapping=mapping)
    call.write([note], definition=target, more=tuple((token, s) for token, s, _ in moves))
    i = t.instances
    call.conn.execute(update(i).where(i.c.id == before.id).values(version=version))


def _rollback(call: _Call) -> None:
    log = [(r.seq, r.type, r.data) for r in call.ledger.store.event_rows(call.conn,
                                                                       call.before.id)]
    call.ledger.store.flush_jobs(call.conn)
    if saga.in_progress(call.conn, call.before.id):
        raise OperationRefused(f"instance {call.before.id} is already being rolled back",
                               {"status": call.before.status})
    if not saga.pending_steps(call.definition, log):
        raise OperationRefused(f"instance {call.before.id} has no completed task with a "
                               "compensation left to undo", {"status": call.before.status})
    live = call.before.status in LIVE
    if live:
        _drop_state_jobs(call)
    after = call.write([call.note(ev.ROLLBACK_REQUESTED,
                                  "cancelled" if live else call.before.status)])
    saga.start_saga(call.ledger, call.conn, call.before.id, after.seq)


def _erase(call: _Call) -> None:
    """Destroy the instance's data key: its sensitive values, in the log and everywhere else,
    become unrecoverable; a live instance is cancelled first. The log keeps its hash chain."""
    if call.ledger.sealer.erased(call.conn, call.before.id):
        raise OperationRefused(f"instance {call.before.id} is already erased",
                               {"status": call.before.status})
    live = call.before.status in LIVE
    names = sorted(call.ledger.sensitive(call.definition) & call.before.variables.keys())
    events = []
    if live:
        _drop_state_jobs(call)
        events.append(ev.NewEvent(ev.CANCELLED, {"reason": f"erased: {call.reason}"}))
        _cancel_child(call)
    call.write([*events, call.note(ev.ERASED, "cancelled" if live else call.before.status,
                                   erased=names)])
    call.ledger.sealer.keys.destroy(call.conn, call.before.id, call.ledger.clock.now())


TERMINAL_OR_LIVE = ("running", "suspended", "incident", "completed", "failed", "cancelled")
OPERATIONS: dict[str, tuple[tuple[str, ...], Callable[[_Call], None]]] = {
    "suspend": (("running",), _suspend),
    "resume": (("suspended",), _resume),
    "cancel": (LIVE, _cancel),
    "retry": (("incident",), _retry),
    "move": (("running", "suspended", "incident", "failed"), _move),
    "set-vars": (LIVE, _set_vars),
    "migrate": (LIVE, _migrate),
    "rollback": (TERMINAL_OR_LIVE, _rollback),
    "erase": (TERMINAL_OR_LIVE, _erase),
}


def incident_reason(ledger: InstanceAccess, instance_id: str) -> str | None:
    """Why an instance in incident is there: the reason of its latest `incident` event."""
    for event in reversed(ledger.history(instance_id)):
        if event.type == ev.INCIDENT:
            return event.data.get("reason")
    return None
