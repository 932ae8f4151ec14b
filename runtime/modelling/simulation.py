"""Token simulation of a definition: start it with variables, then choose what happens at
each state (an event at a wait, an outcome at a task), with nothing stored.

Each choice is one call of the pure `step`, so the path, the variables and the guards shown
are exactly the engine's. Actions are not run and timers are not waited for: the user picks
the outcome, and the simulated clock jumps to a timer's due time when it fires.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from runtime.core import events as ev
from runtime.core import step as steps
from runtime.core.errors import EventRefused
from runtime.core.variables import check_start_variables
from runtime.modelling.guard_checks import GuardCheck, automatic_checks, checks
from shared.definition import Definition

SIMULATED_ID = "simulation"
TASK_TIMEOUT = "timeout"


@dataclass(frozen=True)
class Choice:
    """Something that may happen next: `kind` is event (sent or a human outcome), outcome
    (a task's or subprocess's result) or timer (a timer or a wait's timeout fires)."""

    event: str
    kind: str
    state: str | None = None  # where it happens (which branch, between a fork and its join)
    visit: int = 0  # that branch's visit, to deliver to it

    def to_json(self) -> dict[str, Any]:
        return {"event": self.event, "kind": self.kind, "state": self.state}


@dataclass(frozen=True)
class SimulatedStep:
    """What one choice did: the states entered, the guards considered, the result."""

    event: str | None  # None for the start
    payload: dict[str, Any]
    entered: list[str]
    guards: list[GuardCheck]
    state: str | None
    status: str
    variables: dict[str, Any]
    incident: str | None = None
    at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {"event": self.event, "payload": self.payload, "entered": self.entered,
                "guards": [g.to_json() for g in self.guards], "state": self.state,
                "status": self.status, "variables": self.variables, "incident": self.incident,
                "at": self.at.isoformat() if self.at else None}


@dataclass
class Simulation:
    """One simulated run; `steps[0]` is the start."""

    definition: Definition
    snapshot: steps.Snapshot
    now: datetime
    steps: list[SimulatedStep] = field(default_factory=list)
    timers: dict[int, datetime] = field(default_factory=dict)  # visit -> when its timer fires

    @classmethod
    def start(cls, definition: Definition, variables: Any, now: datetime) -> Simulation:
        """Start a simulated run; bad variables raise `VariablesInvalid` naming them."""
        values = check_start_variables(definition, variables)
        blank = steps.Snapshot(id=SIMULATED_ID, definition=definition.key, version=0)
        run = cls(definition, blank, now)
        run._record(None, {}, steps.step(definition, blank, steps.Start(values), now), [])
        return run

    @property
    def path(self) -> list[str]:
        return [s for step in self.steps for s in step.entered]

    @property
    def state(self) -> str | None:
        return self.snapshot.state

    @property
    def finished(self) -> bool:
        return self.snapshot.status != "running"

    def choices(self) -> list[Choice]:
        """What may happen now, in each branch, in the order the canvas lists the exits."""
        snap = self.snapshot
        if snap.status != "running":
            return []
        return [choice for _, state_id, visit in snap.visits()
                for choice in self._choices_in(state_id, visit)]

    def _choices_in(self, state_id: str | None, visit: int) -> list[Choice]:
        state = self.definition.state(state_id or "")
        if state is None:
            return []
        if state.type in ("wait", "human"):
            alone = steps.Snapshot(id=SIMULATED_ID, definition="", version=0, state=state.id)
            found = [Choice(e, "event", state.id, visit)
                     for e in steps.accepted_events(self.definition, alone)]
            if state.type == "wait" and state.timeout_s:
                found.append(Choice(steps.TIMEOUT, "timer", state.id, visit))
            return found
        if state.type in ("task", "subprocess"):
            found = [Choice(steps.DONE, "outcome", state.id, visit),
                     Choice(steps.ERROR, "outcome", state.id, visit)]
            if state.type == "task" and state.timeout_s:
                found.append(Choice(TASK_TIMEOUT, "outcome", state.id, visit))
            return found
        if state.type == "timer":
            return [Choice(steps.ELAPSED, "timer", state.id, visit)]
        return []

    def send(self, event: str, payload: dict[str, Any] | None = None,
             state: str | None = None) -> SimulatedStep:
        """Let `event` happen (in the branch at `state`, else the first offering it); an
        event not offered now raises `EventRefused` listing those that are, bad payload values
        raise `VariablesInvalid`. Nothing changes on error."""
        payload = dict(payload or {})
        offered = self.choices()
        choice = next((c for c in offered if c.event == event
                       and state in (None, c.state)), None)
        if choice is None:
            listed = ", ".join(dict.fromkeys(c.event for c in offered)) or (
                "nothing (the run has ended)")
            where = ", ".join(repr(s) for s in self.snapshot.active_states)
            raise EventRefused(
                f"the simulation is in {where} ({self.snapshot.status}); "
                f"{event!r} cannot happen {f'in {state!r}' if state else 'there'}; "
                f"it offers: {listed}",
                {"event": event, "accepted": [c.event for c in offered], "state": self.state})
        deliver = self._delivery(choice, payload)
        due = self.timers.get(choice.visit)
        now = max(self.now, due) if deliver.event in (
            steps.TIMEOUT, steps.ELAPSED) and due else self.now
        result = steps.step(self.definition, self.snapshot, deliver, now)
        self.now = now
        values = {**self.snapshot.variables, **deliver.payload}
        taken = _first_taken(result.events)
        guards = checks(self.definition, choice.state or "", deliver.event, values,
                        deliver.payload, taken)
        return self._record(event, payload, result, guards)

    def _delivery(self, choice: Choice, payload: dict[str, Any]) -> steps.Deliver:
        """As the runtime delivers it: an action's timeout is its error, outcomes internal,
        each to the visit (branch) it happens in."""
        state, event, visit = self.definition.state(choice.state or ""), choice.event, choice.visit
        if event == TASK_TIMEOUT and state is not None and state.type == "task":
            text = f"action {state.action!r} timed out after {state.timeout_s:g} s"
            return steps.Deliver(steps.ERROR, {"error": text, **payload}, True, visit)
        if event == steps.ERROR:
            return steps.Deliver(event, {"error": "simulated failure", **payload}, True, visit)
        return steps.Deliver(event, payload, event in steps.INTERNAL_EVENTS, visit)

    def _record(self, event: str | None, payload: dict[str, Any], result: steps.StepResult,
                guards: list[GuardCheck]) -> SimulatedStep:
        before, self.snapshot = self.snapshot, result.snapshot
        self.timers.update({e.payload["entered_seq"]: e.run_at for e in result.effects
                            if isinstance(e, steps.ScheduleJob) and e.kind == "timer"})
        entered = [e.data["to"] for e in result.events if e.type == ev.TRANSITION]
        incident = next((e.data.get("reason") for e in result.events
                         if e.type == ev.INCIDENT), None)
        done = SimulatedStep(event, payload, entered,
                             guards + automatic_checks(self.definition, before, result.events),
                             self.snapshot.state, self.snapshot.status,
                             dict(self.snapshot.variables), incident, self.now)
        self.steps.append(done)
        return done

    def to_json(self) -> dict[str, Any]:
        return {"definition": self.definition.key, "state": self.state,
                "active_states": self.snapshot.active_states,
                "status": self.snapshot.status, "path": self.path,
                "variables": self.snapshot.variables,
                "choices": [c.to_json() for c in self.choices()],
                "steps": [s.to_json() for s in self.steps]}


def _first_taken(new_events: list[ev.NewEvent]) -> tuple[str, str] | None:
    first = next((e for e in new_events if e.type == ev.TRANSITION), None)
    return (first.data["from"], first.data["to"]) if first is not None else None


def run(definition: Definition, variables: Any, events: list[tuple[str, dict[str, Any]]],
        now: datetime) -> Simulation:
    """A whole run from start variables and a list of (event, payload) choices."""
    sim = Simulation.start(definition, variables, now)
    for event, payload in events:
        name, state = aimed(event)
        sim.send(name, payload, state)
    return sim


def aimed(text: str) -> tuple[str, str | None]:
    """`state:event` names the branch an event happens in (`pack:done`); plain `event` is
    for the first branch offering it."""
    state, _, event = text.rpartition(":")
    return (event, state or None) if event else (text, None)
