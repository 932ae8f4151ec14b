"""What-if replay: feed a recorded instance's inputs through the pure step function with a
draft and compare the path it takes with the recorded one.

The inputs are read back from the log: the start variables, then every transition that an
event caused (a `send`, a human outcome, an action's done or error, a timer) with the values
that event brought (its `variables_set`, minus the recorded transition's own `set`). Action
retries are not inputs: only the final result moved the instance. An operator's move,
retry or migration ends the comparable part of the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from runtime.core import events as ev
from runtime.core import step as steps
from runtime.core.errors import EventRefused, VariablesInvalid
from runtime.core.events import Event
from runtime.core.variables import check_start_variables
from shared.definition import Definition

SAME, OTHER, STUCK = "same", "other", "stuck"
_CUTTING = (ev.MOVED, ev.MIGRATED, ev.RETRIED, ev.ROLLBACK_REQUESTED)


@dataclass(frozen=True)
class Input:
    event: str
    payload: dict[str, Any]
    at: datetime
    state: str | None = None  # the state it left: picks the branch it is for


@dataclass(frozen=True)
class Recording:
    """The replayable part of one instance's log."""

    instance_id: str
    variables: dict[str, Any]
    business_key: str | None
    started_at: datetime
    inputs: list[Input]
    path: list[str]


@dataclass(frozen=True)
class Verdict:
    instance_id: str
    outcome: str  # same | other | stuck
    reason: str | None
    diverged_at: str | None
    path: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.instance_id, "outcome": self.outcome, "reason": self.reason,
                "diverged_at": self.diverged_at, "path": self.path}


def recording_of(log: list[Event], recorded: Definition) -> Recording:
    """The inputs and path of `log`, an instance of the `recorded` definition."""
    first = log[0]
    variables, path, inputs = dict(first.data.get("variables") or {}), [], []
    pending: list[dict[str, Any]] = []
    for event in log:
        if event.type in _CUTTING:
            break
        if event.type == ev.VARIABLES_SET:
            pending.append(dict(event.data.get("values") or {}))
        elif event.type == ev.TRANSITION:
            name = event.data.get("event")
            if name is not None:
                if _has_set(recorded, event.data) and pending:
                    pending.pop()
                payload = {k: v for values in pending for k, v in values.items()}
                inputs.append(Input(name, payload, event.at, event.data.get("from")))
            path.append(event.data["to"])
            pending = []
    return Recording(first.instance_id, variables, first.data.get("business_key"),
                     first.at, inputs, path)


def _has_set(definition: Definition, data: dict[str, Any]) -> bool:
    for t in definition.outgoing(data.get("from") or ""):
        if (data.get("transition") and t.id == data["transition"]) or (
                not data.get("transition") and t.target == data["to"]
                and t.on == data.get("event")):
            return bool(t.set)
    return False


def replay(draft: Definition, recording: Recording) -> Verdict:
    """Run `recording`'s inputs against `draft` and say whether it took the same path."""
    rid = recording.instance_id
    snap = steps.Snapshot(id=rid, definition=draft.key, version=0)
    try:
        values = check_start_variables(draft, recording.variables)
    except VariablesInvalid as exc:
        return Verdict(rid, STUCK, f"start variables: {exc.message}", None, [])
    result = steps.step(draft, snap, steps.Start(values, recording.business_key),
                        recording.started_at)
    path = _entered(result)
    snap = result.snapshot
    stuck = _incident(result)
    for taken in recording.inputs:
        if stuck is not None or snap.status != "running":
            break
        visit = next((seq for _, state, seq in snap.visits() if state == taken.state), None)
        try:
            result = steps.step(draft, snap, steps.Deliver(
                taken.event, taken.payload, taken.event in steps.INTERNAL_EVENTS,
                visit if snap.branches else None), taken.at)
        except (EventRefused, VariablesInvalid) as exc:
            stuck = f"{taken.event!r} at {snap.state!r}: {_reason(exc)}"
            break
        path += _entered(result)
        snap = result.snapshot
        stuck = _incident(result)
    if stuck is not None:
        return Verdict(rid, STUCK, stuck, snap.state, path)
    return _compare(rid, path, recording.path)


def _reason(exc: EventRefused | VariablesInvalid) -> str:
    """The step's message without its `instance <id> in state ...` prefix."""
    message = exc.message
    head = f"in state {exc.details.get('state')!r}"
    return message.split(f"{head}: ", 1)[-1].split(f"{head} ", 1)[-1]


def _compare(rid: str, path: list[str], recorded: list[str]) -> Verdict:
    if path == recorded:
        return Verdict(rid, SAME, None, None, path)
    common = next((i for i, (a, b) in enumerate(zip(path, recorded, strict=False)) if a != b),
                  min(len(path), len(recorded)))
    at = path[common - 1] if common else None
    was = recorded[common] if common < len(recorded) else "(the recorded run ended there)"
    now = path[common] if common < len(path) else "(the draft run ends there)"
    return Verdict(rid, OTHER, f"after {at!r}: {now!r} instead of {was!r}", at, path)


def _entered(result: steps.StepResult) -> list[str]:
    return [e.data["to"] for e in result.events if e.type == ev.TRANSITION]


def _incident(result: steps.StepResult) -> str | None:
    return next((str(e.data.get("reason")) for e in result.events if e.type == ev.INCIDENT), None)


def summary(verdicts: list[Verdict]) -> dict[str, Any]:
    """The what-if answer: counts, one row per instance and the draft's visits per state."""
    visits: dict[str, int] = {}
    for verdict in verdicts:
        for state in verdict.path:
            visits[state] = visits.get(state, 0) + 1
    count = {o: sum(1 for v in verdicts if v.outcome == o) for o in (SAME, OTHER, STUCK)}
    return {"replayed": len(verdicts), "same_path": count[SAME], "other_path": count[OTHER],
            "stuck": count[STUCK], "instances": [v.to_json() for v in verdicts],
            "states": visits}
