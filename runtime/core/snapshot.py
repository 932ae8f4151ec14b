"""The projection of an instance's log: `Snapshot` (with its parallel `Branch`es) and
`apply`, the only place it changes, so a replay of the log equals the stored projection.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from runtime.core import events as ev

TERMINAL = frozenset({"completed", "failed", "cancelled"})
ROOT = ""  # the token of the instance itself


@dataclass(frozen=True)
class Branch:
    """One parallel branch: where it is and the visit its jobs carry. `parent` is the token
    that forked it; `arrived` means it waits at its join for its siblings."""

    id: str
    parent: str
    state: str
    entered_seq: int
    arrived: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "parent": self.parent, "state": self.state,
                "entered_seq": self.entered_seq, "arrived": self.arrived}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Branch:
        return cls(data["id"], data["parent"], data["state"], data["entered_seq"],
                   data.get("arrived", False))


@dataclass(frozen=True)
class Snapshot:
    """An instance as the engine sees it: the projection of its log."""

    id: str
    definition: str
    version: int
    state: str | None = None
    status: str = "running"
    variables: dict[str, Any] = field(default_factory=dict)
    entered_seq: int = 0
    seq: int = 0
    business_key: str | None = None
    parent_id: str | None = None
    branches: tuple[Branch, ...] = ()

    def visits(self) -> list[tuple[str, str | None, int]]:
        """(token, state, entered_seq) of every token that can move: the instance itself, or,
        while it runs branches, each branch that is neither forked again nor arrived."""
        if not self.branches:
            return [(ROOT, self.state, self.entered_seq)]
        parents = {b.parent for b in self.branches}
        return [(b.id, b.state, b.entered_seq) for b in self.branches
                if b.id not in parents and not b.arrived]

    @property
    def active_states(self) -> list[str]:
        """Where the instance's branches are (its one state when it has none)."""
        return list(dict.fromkeys(state for _, state, _ in self.visits() if state))

    def token_at(self, entered_seq: int) -> str | None:
        """The token whose current visit began at `entered_seq`, or None (the visit is over)."""
        return next((token for token, _, seq in self.visits() if seq == entered_seq), None)

    def visiting(self, state: str, entered_seq: int) -> bool:
        """Whether a token of the running instance is still in this visit of `state`."""
        return self.status == "running" and any(
            (s, seq) == (state, entered_seq) for _, s, seq in self.visits())

    def position(self, token: str) -> tuple[str | None, int]:
        """(state, entered_seq) of `token`."""
        if not token:
            return self.state, self.entered_seq
        branch = next(b for b in self.branches if b.id == token)
        return branch.state, branch.entered_seq


def job_id(instance_id: str, entered_seq: int) -> str:
    """One job per state visit; a deterministic id makes duplicate scheduling a no-op."""
    return f"{instance_id}:{entered_seq}"


def apply(snapshot: Snapshot, seq: int, type_: str, data: dict[str, Any]) -> Snapshot:
    """The snapshot after one event: the only place the projection changes."""
    if type_ == ev.INSTANCE_STARTED:
        return _evolve(
            snapshot,
            definition=data["definition"],
            version=data["version"],
            variables=dict(data["variables"]),
            business_key=data.get("business_key"),
            parent_id=data.get("parent_id"),
            status="running",
            seq=seq,
        )
    if type_ == ev.VARIABLES_SET:
        return _evolve(snapshot, variables={**snapshot.variables, **data["values"]}, seq=seq)
    if type_ == ev.TRANSITION:
        status = data.get("status", snapshot.status)
        branch = data.get("branch")
        if branch and status not in TERMINAL:
            moved = tuple(replace(b, state=data["to"], entered_seq=seq,
                                  arrived=bool(data.get("arrived")))
                          if b.id == branch else b for b in snapshot.branches)
            return _evolve(snapshot, branches=moved, status=status, seq=seq)
        return _evolve(snapshot, state=data["to"], entered_seq=seq, status=status, seq=seq,
                       branches=() if status in TERMINAL else snapshot.branches)
    if type_ == ev.BRANCHES_STARTED:
        started = tuple(Branch(b, data["parent"], data["fork"], seq) for b in data["branches"])
        return _evolve(snapshot, branches=snapshot.branches + started, seq=seq)
    if type_ == ev.BRANCHES_JOINED:
        return _joined(snapshot, seq, data["parent"], data["join"])
    if type_ == ev.INCIDENT:
        return _evolve(snapshot, status="incident", seq=seq)
    if type_ == ev.CANCELLED:
        return _evolve(snapshot, status="cancelled", seq=seq)
    if type_ == ev.ERASED:
        kept = {k: v for k, v in snapshot.variables.items() if k not in data["erased"]}
        return _evolve(snapshot, variables=kept, status=data["status"], seq=seq)
    if type_ in ev.OPERATOR_EVENTS:
        return _evolve(snapshot, status=data["status"], seq=seq,
                       version=data.get("to_version", snapshot.version))
    return _evolve(snapshot, seq=seq)


def _evolve(snapshot: Snapshot, **changes: Any) -> Snapshot:
    """`dataclasses.replace` without its per-field work: every event applies one, and a
    Snapshot has no `__post_init__` to run."""
    new = object.__new__(Snapshot)
    new.__dict__.update(snapshot.__dict__)
    new.__dict__.update(changes)
    return new


def _joined(snapshot: Snapshot, seq: int, parent: str, join: str) -> Snapshot:
    """The branches of `parent` end; `parent` is at the join from this event on."""
    kept = tuple(b for b in snapshot.branches if b.parent != parent)
    if parent == ROOT:
        return _evolve(snapshot, branches=kept, state=join, entered_seq=seq, seq=seq)
    kept = tuple(replace(b, state=join, entered_seq=seq, arrived=False) if b.id == parent else b
                 for b in kept)
    return _evolve(snapshot, branches=kept, seq=seq)


def apply_all(snapshot: Snapshot, new_events: list[ev.NewEvent]) -> Snapshot:
    """The snapshot after appending `new_events` to its log."""
    for event in new_events:
        snapshot = apply(snapshot, snapshot.seq + 1, event.type, event.data)
    return snapshot


def replay(instance_id: str, log: list[tuple[int, str, dict[str, Any]]]) -> Snapshot:
    """The projection rebuilt from `(seq, type, data)` rows."""
    snapshot = Snapshot(id=instance_id, definition="", version=0)
    for seq, type_, data in log:
        snapshot = apply(snapshot, seq, type_, data)
    return snapshot
