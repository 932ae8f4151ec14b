"""The path an instance took, computed from its event log alone (time travel included).

`path_at(document, events, seq)` replays the log up to `seq`: where the instance was, how
often it entered each state and took each transition, which states failed and which action
was waiting to be retried. Transitions are named as the canvas names edges: their `id`, else
`t<index>` in the document's transition list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runtime.core import events as ev
from runtime.core import step as steps
from runtime.core.events import Event


@dataclass(frozen=True)
class PathView:
    seq: int
    state: str | None
    status: str
    visits: dict[str, int] = field(default_factory=dict)  # state id -> times entered
    taken: dict[str, int] = field(default_factory=dict)  # edge ref -> times taken
    failed: dict[str, str] = field(default_factory=dict)  # state id -> why
    retrying: dict[str, str] = field(default_factory=dict)  # state id -> next attempt (ISO)
    active: list[str] = field(default_factory=list)  # where its parallel branches are


def edge_ref(transition: dict[str, Any], index: int) -> str:
    """The canvas id of a transition (as `designer.draft.transition_ref`)."""
    return transition.get("id") or f"t{index}"


def path_at(document: dict[str, Any], events: list[Event], seq: int | None = None) -> PathView:
    """The instance as it was after event `seq` (the latest when None)."""
    shown = [e for e in events if seq is None or e.seq <= seq]
    snap = steps.replay(events[0].instance_id if events else "", [
        (e.seq, e.type, e.data) for e in shown])
    visits: dict[str, int] = {}
    taken: dict[str, int] = {}
    failed: dict[str, str] = {}
    retrying: dict[str, str] = {}
    transitions = list(document.get("transitions") or [])
    at: dict[str, str | None] = {}  # each token's state (the instance's own is "")
    for event in shown:
        data = event.data
        token = data.get("branch") or steps.ROOT
        here = data.get("state") if event.type != ev.TRANSITION else None
        here = here or at.get(token)
        if event.type == ev.BRANCHES_STARTED:
            at.update(dict.fromkeys(data["branches"], data["fork"]))
        elif event.type == ev.BRANCHES_JOINED:
            at[data["parent"]] = data["join"]
        elif event.type in (ev.TRANSITION, ev.MOVED):
            target = data.get("to")
            retrying.pop(here or "", None)
            if event.type == ev.TRANSITION:
                ref = _edge_of(transitions, data)
                if ref is not None:
                    taken[ref] = taken.get(ref, 0) + 1
            if target:
                visits[target] = visits.get(target, 0) + 1
            at[token] = target
        elif event.type == ev.ACTION_FAILED and here:
            if data.get("retry_at"):
                retrying[here] = str(data["retry_at"])
            else:
                retrying.pop(here, None)
                failed[here] = f"{data.get('action')} failed: {data.get('error')}"
        elif event.type == ev.ACTION_SUCCEEDED and here:
            retrying.pop(here, None)
            failed.pop(here, None)
        elif event.type == ev.INCIDENT:
            where = data.get("state") or here
            if where:
                failed[where] = str(data.get("reason") or "incident")
        elif event.type == ev.RETRIED and here:
            failed.pop(here, None)
    last = shown[-1].seq if shown else 0
    return PathView(last, snap.state, snap.status, visits, taken, failed, retrying,
                    snap.active_states)


def _edge_of(transitions: list[dict[str, Any]], data: dict[str, Any]) -> str | None:
    """The transition a `transition` event took: by its id, else by from, to and event."""
    if data.get("transition"):
        return str(data["transition"])
    source, target, event = data.get("from"), data.get("to"), data.get("event")
    fallback = None
    for index, t in enumerate(transitions):
        if t.get("from") == source and t.get("to") == target:
            if t.get("on") == event or (event is None and not t.get("on")):
                return edge_ref(t, index)
            fallback = fallback or edge_ref(t, index)
    return fallback
