"""Which events an instance takes now, and which of its branches an event is for."""

from __future__ import annotations

from runtime.core.snapshot import Snapshot
from shared.definition import Definition

# Internal events: produced by the runtime (jobs), never accepted from `send`.
DONE, ERROR, TIMEOUT, ELAPSED = "done", "error", "timeout", "elapsed"
INTERNAL_EVENTS = frozenset({DONE, ERROR, TIMEOUT, ELAPSED})


def accepted_events(definition: Definition, snapshot: Snapshot) -> list[str]:
    """The events `send` may deliver to the instance now (to any of its branches)."""
    if snapshot.status != "running":
        return []
    names: list[str] = []
    for _, state_id, _ in snapshot.visits():
        names += _accepted_in(definition, state_id)
    return list(dict.fromkeys(names))


def _accepted_in(definition: Definition, state_id: str | None) -> list[str]:
    state = definition.state(state_id) if state_id is not None else None
    if state is None or state.type not in ("wait", "human"):
        return []
    return [t.on for t in definition.outgoing(state.id) if t.on and t.on not in INTERNAL_EVENTS]


def where_is(snapshot: Snapshot) -> str:
    """How refusals name where the instance is."""
    states = snapshot.active_states
    if len(states) > 1:
        return f"instance {snapshot.id} in states {', '.join(repr(s) for s in states)}"
    return f"instance {snapshot.id} in state {snapshot.state if not states else states[0]!r}"


def receiver(definition: Definition, snapshot: Snapshot, event: str, internal: bool,
             visit: int | None) -> tuple[str, str | None] | None:
    """The token (and its state) an event is for: the visit it names, else the first branch
    whose state takes the event."""
    if visit is not None:
        token = snapshot.token_at(visit)
        return None if token is None else (token, snapshot.position(token)[0])
    visits = snapshot.visits()
    if len(visits) == 1:
        return visits[0][0], visits[0][1]
    for token, state_id, _ in visits:
        takes = (any(t.on == event for t in definition.outgoing(state_id or ""))
                 if internal else event in _accepted_in(definition, state_id))
        if takes:
            return token, state_id
    return None
