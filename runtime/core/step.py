"""The pure heart of the engine: `step(definition, snapshot, inbound, now)` decides what happens.

It returns the new snapshot, the events to append and the effects for the shell to carry out
(schedule or cancel a job). Every change of the snapshot is made by applying an event with
`apply`, so the projection equals a replay of the log by construction. No I/O, no clock reads.

Parallel branches are tokens: the instance itself is the token "" at `state`; a fork parks the
token that entered it and starts one `Branch` per outgoing transition; a join ends the branches
of one fork once all have arrived and moves their parent on. A visit (`entered_seq`) belongs to
exactly one token, so jobs and tasks keep naming their visit as before.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from runtime.core import events as ev
from runtime.core.errors import EventRefused
from runtime.core.routing import DONE as DONE
from runtime.core.routing import ELAPSED, TIMEOUT, receiver, where_is
from runtime.core.routing import ERROR as ERROR
from runtime.core.routing import INTERNAL_EVENTS as INTERNAL_EVENTS
from runtime.core.routing import accepted_events as accepted_events
from runtime.core.snapshot import ROOT, Snapshot, apply
from runtime.core.snapshot import TERMINAL as TERMINAL
from runtime.core.snapshot import Branch as Branch
from runtime.core.snapshot import apply_all as apply_all
from runtime.core.snapshot import job_id as job_id
from runtime.core.snapshot import replay as replay
from runtime.core.variables import check_values
from shared.business_time import sla_due
from shared.definition import Definition, Transition
from shared.errors import GuardError
from shared.guards import evaluate

MAX_AUTOMATIC_STEPS = 1000


@dataclass(frozen=True)
class Start:
    variables: dict[str, Any]
    business_key: str | None = None
    parent_id: str | None = None


@dataclass(frozen=True)
class Deliver:
    """An event for the instance: external (`send`) or internal (action result, timer).
    `visit` (an `entered_seq`) names the visit it is for, which picks the branch."""

    event: str
    payload: dict[str, Any] = field(default_factory=dict)
    internal: bool = False
    visit: int | None = None


@dataclass(frozen=True)
class ScheduleJob:
    """Run an action, or fire `event` on a timer, at `run_at` for the current state visit."""

    job_id: str
    kind: str  # "action" | "timer"
    run_at: datetime
    payload: dict[str, Any]


@dataclass(frozen=True)
class CancelJob:
    job_id: str


Effect = ScheduleJob | CancelJob


@dataclass
class StepResult:
    snapshot: Snapshot
    events: list[ev.NewEvent]
    effects: list[Effect]


class _Builder:
    """Accumulates events (applying each at once) and effects during one step."""

    def __init__(self, definition: Definition, snapshot: Snapshot, now: datetime,
                 token: str = ROOT) -> None:
        self.definition = definition
        self.snapshot = snapshot
        self.now = now
        self.token = token  # the token being moved: the instance, or one of its branches
        self.events: list[ev.NewEvent] = []
        self.effects: list[Effect] = []

    @property
    def visit(self) -> int:
        """The `entered_seq` of the moving token's current state."""
        return self.snapshot.position(self.token)[1]

    def branch_data(self) -> dict[str, Any]:
        """What an event of a branch's visit carries to say whose it is."""
        return {"branch": self.token} if self.token else {}

    def emit(self, type_: str, data: dict[str, Any]) -> None:
        self.events.append(ev.NewEvent(type_, data))
        self.snapshot = apply(self.snapshot, self.snapshot.seq + 1, type_, data)

    def result(self) -> StepResult:
        return StepResult(self.snapshot, self.events, self.effects)


def step(
    definition: Definition, snapshot: Snapshot, inbound: Start | Deliver, now: datetime
) -> StepResult:
    """Decide the events and effects of `inbound`; raises `EventRefused` when nothing may change."""
    b = _Builder(definition, snapshot, now)
    if isinstance(inbound, Start):
        b.emit(ev.INSTANCE_STARTED, {
            "definition": snapshot.definition, "version": snapshot.version,
            "variables": inbound.variables, "business_key": inbound.business_key,
            "parent_id": inbound.parent_id,
        })
        start = next(s for s in definition.states if s.type == "start")
        _enter(b, start.id, via=None)
        return b.result()
    token, transition, values = _choose(definition, snapshot, inbound)
    b.token = token
    if values:
        b.emit(ev.VARIABLES_SET, {"values": values})
    _take(b, transition, inbound.event, inbound.payload)
    return b.result()


def enter_state(definition: Definition, snapshot: Snapshot, state_id: str, now: datetime,
                token: str = ROOT) -> StepResult:
    """Enter `state_id` directly (an operator's move, retry or migration), as arriving does;
    `token` names the branch that moves when the instance runs several."""
    b = _Builder(definition, snapshot, now, token)
    _enter(b, state_id, via=None)
    return b.result()


def _choose(
    definition: Definition, snapshot: Snapshot, inbound: Deliver
) -> tuple[str, Transition, dict[str, Any]]:
    """The token that moves, the transition `inbound` takes and the payload values to merge,
    or `EventRefused`."""
    accepted = accepted_events(definition, snapshot)
    if snapshot.status != "running":
        raise EventRefused(
            f"{where_is(snapshot)} is {snapshot.status} and accepts no events",
            {"event": inbound.event, "accepted": [], "status": snapshot.status},
        )
    found = receiver(definition, snapshot, inbound.event, inbound.internal, inbound.visit)
    if found is None or (not inbound.internal and inbound.event not in accepted):
        listed = ", ".join(accepted) if accepted else "none (it moves on by itself)"
        raise EventRefused(
            f"{where_is(snapshot)} does not accept the event {inbound.event!r}; "
            f"it accepts: {listed}",
            {"event": inbound.event, "accepted": accepted, "state": snapshot.state},
        )
    token, state_id = found
    values = check_values(definition, inbound.payload, f"the payload of {inbound.event!r}")
    scope = {**snapshot.variables, **values}
    candidates = [t for t in definition.outgoing(state_id or "") if t.on == inbound.event]
    try:
        chosen = _first_fitting(definition, candidates, scope, inbound.payload)
    except GuardError as exc:
        raise EventRefused(f"{where_is(snapshot)}: a guard failed for {inbound.event!r}: {exc}",
                           {"event": inbound.event, "accepted": accepted}) from None
    if chosen is None:
        raise EventRefused(
            f"{where_is(snapshot)}: no transition on {inbound.event!r} has a guard that holds",
            {"event": inbound.event, "accepted": accepted, "state": state_id},
        )
    return token, chosen, values


def _first_fitting(
    definition: Definition, candidates: list[Transition], scope: dict[str, Any],
    payload: dict[str, Any],
) -> Transition | None:
    """The first candidate whose guard holds (or that has none), else the `default` one."""
    scope = _declared_scope(definition, scope)
    for t in candidates:
        if t.default:
            continue
        if t.when is None or _guard(t.when, scope, payload):
            return t
    return next((t for t in candidates if t.default), None)


def _guard(src: str, scope: dict[str, Any], payload: dict[str, Any]) -> bool:
    value = evaluate(src, scope, payload)
    if not isinstance(value, bool):
        raise GuardError(f"the guard `{src}` gave {value!r}, not true or false")
    return value


def _declared_scope(definition: Definition, variables: dict[str, Any]) -> dict[str, Any]:
    """Declared variables not set yet are in scope as their default (null), not undefined."""
    scope = {v.name: v.default for v in definition.variables}
    scope.update(variables)
    return scope


def _take(b: _Builder, t: Transition, event: str | None, payload: dict[str, Any]) -> None:
    """Apply `set`, append the transition, cancel the old visit's job, enter the target."""
    if t.set:
        scope = _declared_scope(b.definition, b.snapshot.variables)
        assigned = {name: _jsonable(evaluate(src, scope, payload)) for name, src in t.set.items()}
        b.emit(ev.VARIABLES_SET, {"values": assigned})
    source = b.definition.state(t.source)
    if source is not None and (source.type in ("task", "timer", "subprocess") or (
            source.type == "wait" and source.timeout_s)):
        b.effects.append(CancelJob(job_id(b.snapshot.id, b.visit)))
    _enter(b, t.target, via=(t, event))


def _enter(b: _Builder, state_id: str, via: tuple[Transition, str | None] | None) -> None:
    """Enter `state_id` and keep going through states that are left at once."""
    for _ in range(MAX_AUTOMATIC_STEPS):
        state = b.definition.state(state_id)
        data: dict[str, Any] = {"from": b.snapshot.position(b.token)[0], "to": state_id,
                                **b.branch_data()}
        if via is not None:
            data["event"] = via[1]
            if via[0].id:
                data["transition"] = via[0].id
        if state is not None and state.type == "end":
            data["status"] = state.outcome
        elif state is not None and state.type == "join" and b.token:
            data["arrived"] = True
        b.emit(ev.TRANSITION, data)
        if state is None:
            b.emit(ev.INCIDENT, {"reason": f"state {state_id!r} is not in the definition",
                                 **b.branch_data()})
            return
        next_state = _on_enter(b, state)
        if next_state is None:
            return
        state_id, via = next_state
    b.emit(ev.INCIDENT, {"reason": f"more than {MAX_AUTOMATIC_STEPS} automatic steps in a row",
                         **b.branch_data()})


def _on_enter(b: _Builder, state: Any) -> tuple[str, tuple[Transition, None]] | None:
    """What entering `state` does; returns the next state when the state is left at once."""
    sid, seq, now = b.snapshot.id, b.visit, b.now
    if state.type in ("start", "decision"):
        return _leave_at_once(b, state)
    if state.type == "fork":
        _fork(b, state)
    elif state.type == "join":
        return _join(b, state)
    elif state.type == "task":
        b.emit(ev.ACTION_STARTED, {"action": state.action, "attempt": 1, **b.branch_data()})
        b.effects.append(ScheduleJob(job_id(sid, seq), "action", now, {
            "action": state.action, "state": state.id, "entered_seq": seq}))
    elif state.type == "timer":
        due = _timer_due(b, state)
        if due is not None:
            _set_timer(b, state.id, ELAPSED, due)
    elif state.type == "wait" and state.timeout_s:
        _set_timer(b, state.id, TIMEOUT, now + timedelta(seconds=state.timeout_s))
    elif state.type == "human":
        _enter_human(b, state)
    elif state.type == "subprocess":
        _enter_subprocess(b, state)
    return None


def _fork(b: _Builder, state: Any) -> None:
    """Park the moving token at the fork and start one branch per outgoing transition."""
    parent = b.token
    exits = b.definition.outgoing(state.id)
    ids = [f"{parent}/{state.id}.{n}" if parent else f"{state.id}.{n}" for n in range(len(exits))]
    b.emit(ev.BRANCHES_STARTED, {"fork": state.id, "parent": parent, "branches": ids})
    for branch, t in zip(ids, exits, strict=True):
        if b.snapshot.status != "running":
            break  # an earlier branch ended the instance (or raised an incident)
        b.token = branch
        _take(b, t, None, {})
    b.token = parent


def _join(b: _Builder, state: Any) -> tuple[str, tuple[Transition, None]] | None:
    """A branch arrived: when all its siblings have too, they end and their parent goes on."""
    if not b.token:  # the instance itself (an operator moved it here): nothing to wait for
        return _leave_at_once(b, state)
    parent = next(x.parent for x in b.snapshot.branches if x.id == b.token)
    siblings = [x for x in b.snapshot.branches if x.parent == parent]
    if not all(x.arrived for x in siblings):
        return None
    elsewhere = sorted({x.state for x in siblings} - {state.id})
    if elsewhere:
        b.emit(ev.INCIDENT, {"reason": f"the branches of one fork arrived at different joins: "
                                       f"{', '.join([state.id, *elsewhere])}"})
        return None
    b.emit(ev.BRANCHES_JOINED, {"join": state.id, "parent": parent,
                                "branches": [x.id for x in siblings]})
    b.token = parent
    return _leave_at_once(b, state)


def child_instance_id(parent_id: str, entered_seq: int) -> str:
    """The id of the child a subprocess visit starts: deterministic, so a re-run is a no-op."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"statewright:{parent_id}:{entered_seq}"))


def _enter_subprocess(b: _Builder, state: Any) -> None:
    """Evaluate the `input` mapping now; a job starts the child (it needs the store)."""
    scope = _declared_scope(b.definition, b.snapshot.variables)
    try:
        values = {name: _jsonable(evaluate(src, scope, {})) for name, src in state.input.items()}
    except GuardError as exc:
        b.emit(ev.INCIDENT, {"reason": f"subprocess {state.id!r} input: {exc}",
                             **b.branch_data()})
        return
    seq = b.visit
    b.effects.append(ScheduleJob(job_id(b.snapshot.id, seq), "subprocess", b.now, {
        "state": state.id, "entered_seq": seq, "definition": state.definition,
        "version": state.version, "input": values}))


def _enter_human(b: _Builder, state: Any) -> None:
    """A human state waits for the events on its transitions; its task is created with it
    (`runtime.people.tasks.lifecycle` writes the inbox row from this event)."""
    due = sla_due(b.definition, state, b.now)  # business time on the state's calendar
    b.emit(ev.TASK_CREATED, {
        "task_id": job_id(b.snapshot.id, b.visit), "state": state.id,
        "role": state.role, "priority": state.priority,
        "due_at": due.isoformat() if due else None, **b.branch_data()})


def _leave_at_once(b: _Builder, state: Any) -> tuple[str, tuple[Transition, None]] | None:
    candidates = [t for t in b.definition.outgoing(state.id) if t.on is None]
    try:
        chosen = _first_fitting(b.definition, candidates, b.snapshot.variables, {})
        if chosen is not None and chosen.set:
            scope = _declared_scope(b.definition, b.snapshot.variables)
            assigned = {n: _jsonable(evaluate(src, scope, {})) for n, src in chosen.set.items()}
            b.emit(ev.VARIABLES_SET, {"values": assigned})
    except GuardError as exc:
        b.emit(ev.INCIDENT, {"reason": f"state {state.id!r}: {exc}", **b.branch_data()})
        return None
    if chosen is None:
        b.emit(ev.INCIDENT, {"reason": f"state {state.id!r}: no transition's guard holds "
                                       "and there is no default", **b.branch_data()})
        return None
    return chosen.target, (chosen, None)


def _timer_due(b: _Builder, state: Any) -> datetime | None:
    if state.duration_s:
        return b.now + timedelta(seconds=state.duration_s)
    try:
        value = evaluate(state.until or "", _declared_scope(b.definition, b.snapshot.variables), {})
        due = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except (GuardError, ValueError) as exc:
        b.emit(ev.INCIDENT, {"reason": f"timer {state.id!r}: `until` gave no timestamp: {exc}",
                             **b.branch_data()})
        return None
    return due if due.tzinfo else due.replace(tzinfo=b.now.tzinfo)


def _set_timer(b: _Builder, state_id: str, event: str, due: datetime) -> None:
    seq = b.visit
    b.emit(ev.TIMER_SET, {"event": event, "due_at": due.isoformat(), **b.branch_data()})
    b.effects.append(ScheduleJob(job_id(b.snapshot.id, seq), "timer", due, {
        "event": event, "state": state_id, "entered_seq": seq}))


def _jsonable(value: Any) -> Any:
    """CEL results as JSON values (timestamps as ISO strings, durations as seconds)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value

