"""Checks of parallel branches: every fork's branches meet again at one join, every join has
a fork, and no two branches of one fork wait for the same event.

Each branch is walked through the graph with a nesting depth: a fork inside it goes one level
down, a join one level up; the join reached at depth 0 is where the branch meets its siblings.
Loops are walked once per (state, depth), and the depth is capped, so the walk is linear in
the size of the graph times the nesting.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import combinations

import networkx as nx

from shared.definition import (
    EndState,
    ForkState,
    HumanState,
    JoinState,
    State,
    Transition,
    WaitState,
)
from shared.findings import Finding

# Events the runtime delivers to one state visit itself: they can never be ambiguous.
_OWN_EVENTS = frozenset({"done", "error", "timeout", "elapsed"})


@dataclass
class _Branch:
    """What one branch of a fork reaches before (or instead of) its join."""

    first: str
    joins: set[str] = field(default_factory=set)
    ends: set[str] = field(default_factory=set)
    events: dict[str, str] = field(default_factory=dict)  # event -> the state waiting for it


def check_branches(states: Mapping[str, State], graph: nx.DiGraph,
                   outgoing: Mapping[str, list[tuple[str, Transition]]]) -> list[Finding]:
    """`unbalanced_fork`, `join_without_fork` and `ambiguous_branch_event` findings."""
    found: list[Finding] = []
    waits_for = {
        s.id: [t.on for _, t in outgoing.get(s.id, []) if t.on and t.on not in _OWN_EVENTS]
        for s in states.values() if isinstance(s, WaitState | HumanState)}
    claimed: set[str] = set()
    max_depth = 1 + sum(isinstance(s, ForkState) for s in states.values())
    for fork in (s for s in states.values() if isinstance(s, ForkState)):
        targets = [t.target for _, t in outgoing.get(fork.id, [])]
        if len(targets) < 2:
            if targets:  # none at all is the `dead-end` finding
                found.append(Finding.of(
                    "unbalanced_fork",
                    f"fork '{fork.id}' starts {len(targets)} branch: a fork needs two or more "
                    "outgoing transitions, one per branch (or make it a plain state)",
                    states=[fork.id]))
            continue
        branches = [_walk(states, graph, waits_for, target, max_depth) for target in targets]
        own = Counter(j for b in branches for j in b.joins).most_common(1)
        join = own[0][0] if own else None
        if join is not None:
            claimed.add(join)
        found += _unbalanced(fork, join, branches)
        found += _ambiguous(fork, branches)
    found += [
        Finding.of(
            "join_without_fork",
            f"join '{state.id}' has no fork above it whose branches meet there: start the "
            "branches with a fork, or make it a plain state",
            states=[state.id])
        for state in states.values() if isinstance(state, JoinState) and state.id not in claimed
    ]
    return found


def _walk(states: Mapping[str, State], graph: nx.DiGraph, waits_for: Mapping[str, list[str]],
          first: str, max_depth: int) -> _Branch:
    branch = _Branch(first)
    seen: set[tuple[str, int]] = set()
    frontier = [(first, 0)]
    while frontier:
        node, depth = frontier.pop()
        if (node, depth) in seen or node not in states or depth > max_depth:
            continue
        seen.add((node, depth))
        state = states[node]
        if isinstance(state, EndState):
            if depth == 0:
                branch.ends.add(node)
            continue
        if isinstance(state, JoinState):
            if depth == 0:
                branch.joins.add(node)
                continue
            depth -= 1
        elif isinstance(state, ForkState):
            depth += 1
        for event in waits_for.get(node, ()):
            branch.events.setdefault(event, node)
        frontier += [(successor, depth) for successor in graph.successors(node)]
    return branch


def _unbalanced(fork: ForkState, join: str | None, branches: list[_Branch]) -> list[Finding]:
    found = []
    for number, branch in enumerate(branches, start=1):
        where = f"branch {number} of fork '{fork.id}' (through '{branch.first}')"
        own = f"its join '{join}'" if join else "a join"
        for end in sorted(branch.ends):
            found.append(Finding.of(
                "unbalanced_fork",
                f"{where} can reach end '{end}' without passing {own}: lead the branch into "
                "the join (decide after the join what the outcome is)",
                states=[fork.id, end]))
        for other in sorted(branch.joins - {join}):
            found.append(Finding.of(
                "unbalanced_fork",
                f"{where} reaches join '{other}', which is not where the fork's other branches "
                f"meet ({own}): lead every branch into the same join",
                states=[fork.id, other]))
    return found


def _ambiguous(fork: ForkState, branches: list[_Branch]) -> list[Finding]:
    found = []
    for (i, a), (j, b) in combinations(enumerate(branches, start=1), 2):
        for event in sorted(a.events.keys() & b.events.keys()):
            found.append(Finding.of(
                "ambiguous_branch_event",
                f"branches {i} and {j} of fork '{fork.id}' both wait for the event '{event}' "
                f"(in '{a.events[event]}' and '{b.events[event]}'): the engine could not tell "
                "which branch it is for; give the events different names",
                states=[a.events[event], b.events[event]]))
    return found
