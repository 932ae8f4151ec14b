"""What changed between two versions of a process, as the union graph the diff page draws.

States match by id. Transitions match by their own id, else by their ends and the order among
transitions with the same ends, so editing a guard shows as "changed", not "removed + added".
Layout is ignored: moving a state never changes what a process means.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from designer.draft import Draft, transition_label

ADDED = "added"
REMOVED = "removed"
CHANGED = "changed"
UNCHANGED = "unchanged"

TRANSITION_FIELDS = ("on", "when", "default", "set", "label")


@dataclass
class Change:
    """One line of the change list: what (`kind` state or transition), which (`ref`, by id),
    how, and `title`: the same with the states' names, as readers know them."""

    kind: str
    ref: str
    status: str
    detail: str = ""
    title: str = ""

    def text(self) -> str:
        return f"{self.status} {self.kind} {self.title or self.ref}" + (
            f": {self.detail}" if self.detail else "")


def state_title(state_id: str, names: dict[str, str]) -> str:
    """"Underwriter review (review)": the name with the id beside it; the id alone if the
    state has no name of its own."""
    name = names.get(state_id)
    return f"{name} ({state_id})" if name and name != state_id else state_id


@dataclass
class VersionDiff:
    """Statuses per state id and per transition key, the change list, and the union graph."""

    states: dict[str, str] = field(default_factory=dict)
    transitions: dict[str, str] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)


def transition_keys(transitions: list[dict[str, Any]]) -> list[str]:
    """A key per transition that survives edits to its event, guard and assignments."""
    seen: Counter[tuple[Any, Any]] = Counter()
    keys = []
    for transition in transitions:
        ends = (transition.get("from"), transition.get("to"))
        if transition.get("id"):
            keys.append(str(transition["id"]))
            continue
        keys.append(f"{ends[0]}->{ends[1]}#{seen[ends]}")
        seen[ends] += 1
    return keys


def _status(old: Any, new: Any) -> str:
    if old is None:
        return ADDED
    if new is None:
        return REMOVED
    return UNCHANGED if old == new else CHANGED


def _differing(old: dict[str, Any], new: dict[str, Any], fields: tuple[str, ...] | None) -> str:
    names = fields or tuple(sorted(set(old) | set(new)))
    return ", ".join(name for name in names if old.get(name) != new.get(name))


def _meaning(transition: dict[str, Any]) -> dict[str, Any]:
    return {name: transition.get(name) for name in ("from", "to", *TRANSITION_FIELDS)}


def diff_documents(old: dict[str, Any], new: dict[str, Any]) -> VersionDiff:
    """Compare version `old` with version `new` (both statewright/v1 documents)."""
    diff = VersionDiff()
    old_states = {s["id"]: s for s in old.get("states", []) if s.get("id")}
    new_states = {s["id"]: s for s in new.get("states", []) if s.get("id")}
    names = {i: s["name"] for i, s in (old_states | new_states).items() if s.get("name")}
    for state_id in [*new_states, *(s for s in old_states if s not in new_states)]:
        before, after = old_states.get(state_id), new_states.get(state_id)
        status = _status(before, after)
        diff.states[state_id] = status
        if status != UNCHANGED:
            detail = _differing(before, after, None) if status == CHANGED else ""
            diff.changes.append(
                Change("state", state_id, status, detail, state_title(state_id, names))
            )

    old_transitions = dict(
        zip(transition_keys(old.get("transitions", [])), old.get("transitions", []), strict=True)
    )
    new_transitions = dict(
        zip(transition_keys(new.get("transitions", [])), new.get("transitions", []), strict=True)
    )
    for key in [*new_transitions, *(k for k in old_transitions if k not in new_transitions)]:
        before, after = old_transitions.get(key), new_transitions.get(key)
        status = _status(_meaning(before) if before else None, _meaning(after) if after else None)
        diff.transitions[key] = status
        shown = after or before or {}
        diff.edges.append(
            {
                "id": key,
                "source": shown.get("from"),
                "target": shown.get("to"),
                "label": transition_label(shown),
            }
        )
        if status != UNCHANGED:
            detail = _differing(before, after, TRANSITION_FIELDS) if status == CHANGED else ""
            ends = (shown.get("from"), shown.get("to"))
            ref = f"{ends[0]} → {ends[1]}"
            title = " → ".join(state_title(str(end), names) for end in ends)
            diff.changes.append(Change("transition", ref, status, detail, title))

    removed = {i for i, s in diff.states.items() if s == REMOVED}
    diff.nodes = Draft(new).canvas_nodes() + [
        n for n in Draft(old).canvas_nodes() if n["id"] in removed
    ]
    return diff
