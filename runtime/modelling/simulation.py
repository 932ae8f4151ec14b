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

    def to_json(self) -> dict[str, str]:
        return {"event": self.event, "kind": self.kind}


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
    timer_due: datetime | None = None

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
        """What may happen in the current state, in the order the canvas lists its exits."""
        snap = self.snapshot
        state = self.definition.state(snap.state or "")
        if snap.status != "running" or state is None:
            return []
        if state.type in ("wait", "human"):
            found = [Choice(e, "event") for e in steps.accepted_events(self.definition, snap)]
            if state.type == "wait" and state.timeout_s:
                found.append(Choice(steps.TIMEOUT, "timer"))
            return found
        if state.type in ("task", "subprocess"):
            found = [Choice(steps.DONE, "outcome"), Choice(steps.ERROR, "outcome")]
            if state.type == "task" and state.timeout_s:
                found.append(Choice(TASK_TIMEOUT, "outcome"))
            return found
        if state.type == "timer":
            return [Choice(steps.ELAPSED, "timer")]
        return []

    def send(self, event: str, payload: dict[str, Any] | None = None) -> SimulatedStep:
        """Let `event` happen; an event not offered now raises `EventRefused` listing those
        that are, bad payload values raise `VariablesInvalid`. Nothing changes on error."""
        payload = dict(payload or {})
        offered = [c.event for c in self.choices()]
        if event not in offered:
            listed = ", ".join(offered) or "nothing (the run has ended)"
            raise EventRefused(
                f"the simulation is in state {self.state!r} ({self.snapshot.status}); "
                f"{event!r} cannot happen there; it offers: {listed}",
                {"event": event, "accepted": offered, "state": self.state})
        deliver = self._delivery(event, payload)
        now = max(self.now, self.timer_due) if deliver.event in (
            steps.TIMEOUT, steps.ELAPSED) and self.timer_due else self.now
        result = steps.step(self.definition, self.snapshot, deliver, now)
        self.now = now
        values = {**self.snapshot.variables, **deliver.payload}
        taken = _first_taken(result.events)
        guards = checks(self.definition, self.state or "", deliver.event, values,
                        deliver.payload, taken)
        return self._record(event, payload, result, guards)

    def _delivery(self, event: str, payload: dict[str, Any]) -> steps.Deliver:
        """As the runtime delivers it: an action's timeout is its error, outcomes internal."""
        state = self.definition.state(self.state or "")
        if event == TASK_TIMEOUT and state is not None and state.type == "task":
            text = f"action {state.action!r} timed out after {state.timeout_s:g} s"
            return steps.Deliver(steps.ERROR, {"error": text, **payload}, internal=True)
        if event == steps.ERROR:
            return steps.Deliver(event, {"error": "simulated failure", **payload}, internal=True)
        return steps.Deliver(event, payload, internal=event in steps.INTERNAL_EVENTS)

    def _record(self, event: str | None, payload: dict[str, Any], result: steps.StepResult,
                guards: list[GuardCheck]) -> SimulatedStep:
        before, self.snapshot = self.snapshot, result.snapshot
        self.timer_due = next((e.run_at for e in result.effects
                               if isinstance(e, steps.ScheduleJob) and e.kind == "timer"), None)
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
        sim.send(event, payload)
    return sim
