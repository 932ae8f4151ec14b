"""Guards shown with their values: every candidate transition of a state evaluated in the
scope the step function used, which one was taken, and the variables each guard read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runtime.core import events as ev
from runtime.core import step as steps
from shared.definition import Definition, Transition
from shared.errors import GuardError
from shared.guards import evaluate, referenced_names


@dataclass(frozen=True)
class GuardCheck:
    """One outgoing transition considered at a state, as the user should see it."""

    transition: str  # the canvas edge id: the transition's id, else t<index>
    source: str
    target: str
    when: str | None
    default: bool
    value: Any = None  # the guard's result; None for no guard or a default
    values: dict[str, Any] = field(default_factory=dict)  # names the guard read -> values
    error: str | None = None
    taken: bool = False

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def edge_ref(definition: Definition, transition: Transition) -> str:
    return transition.ref(definition.transitions.index(transition))


def checks(definition: Definition, state_id: str, event: str | None, variables: dict[str, Any],
           payload: dict[str, Any], taken: tuple[str, str] | None) -> list[GuardCheck]:
    """The candidates of `state_id` for `event` (None: the automatic ones), each evaluated;
    `taken` is the (from, to) pair of the transition the step took, if any."""
    scope = {v.name: v.default for v in definition.variables}
    scope.update(variables)
    taken_marked = False
    result = []
    for t in definition.outgoing(state_id):
        if t.on != event:
            continue
        value, error, read = None, None, {}
        if t.when is not None and not t.default:
            read = {n: scope.get(n) for n in sorted(referenced_names(t.when)) if n in scope}
            if "event" in referenced_names(t.when):
                read["event"] = payload
            try:
                value = evaluate(t.when, scope, payload)
            except GuardError as exc:
                error = str(exc)
        hit = not taken_marked and taken == (t.source, t.target)
        taken_marked = taken_marked or hit
        result.append(GuardCheck(edge_ref(definition, t), t.source, t.target, t.when, t.default,
                                 value, read, error, hit))
    return result


def automatic_checks(definition: Definition, before: steps.Snapshot,
                     new_events: list[ev.NewEvent]) -> list[GuardCheck]:
    """The guards of every start or decision state the step passed through, evaluated with
    the variables the instance had when it arrived there, and the transitions forks and joins
    took (unguarded: listed so the canvas draws every branch's first arrow as taken)."""
    snapshot, arrived = before, dict(before.variables)
    found: list[GuardCheck] = []
    for event in new_events:
        if (event.type == ev.TRANSITION and event.data.get("event") is None
                and event.data.get("from")):
            source = definition.state(event.data["from"])
            if source is not None and source.type in ("start", "decision", "fork", "join"):
                considered = checks(definition, source.id, None, arrived, {},
                                    (source.id, event.data["to"]))
                found += [g for g in considered if g.taken or source.type in ("start", "decision")]
        snapshot = steps.apply(snapshot, snapshot.seq + 1, event.type, event.data)
        if event.type == ev.TRANSITION:
            arrived = dict(snapshot.variables)
    return found
