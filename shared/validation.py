"""Validation of a definition (SPEC §3): graph checks here, per-state rules in
`shared.state_checks`, CEL expressions in `shared.expression_checks`, leaks of secrets and
sensitive values in `shared.security_checks`, segregation-of-duties rules in
`shared.segregation_checks`, parallel branches in `shared.branch_checks`, business calendars in
`shared.calendar_checks`.

The designer, the CLI and publishing all call `validate`; none re-implements a check. Each
finding names the states and transitions it concerns so the designer can highlight them.

Overlapping findings are reported once, by the most specific code:
- a `dead-end` state is not also reported as `no-way-out`, and neither are the states whose
  every path leads into dead ends (fixing the dead end fixes them); a transition to an unknown
  state is likewise given the benefit of the doubt. `no-way-out` thus marks states caught in a
  closed loop, or leading only into one, and each of them truly cannot reach an end state.
- a state without outgoing transitions gets `dead-end` only, not `no-default` or `no-error-path`.
- `unreachable` is checked only when the process has a start state.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import networkx as nx

from shared import state_checks
from shared.branch_checks import check_branches
from shared.calendar_checks import check_calendars
from shared.classification import check_classification
from shared.definition import (
    Definition,
    EndState,
    StartState,
    State,
    Transition,
)
from shared.errors import SchemaError
from shared.expression_checks import check_expressions
from shared.findings import Finding, Report
from shared.loading import parse_definition
from shared.security_checks import check_security
from shared.segregation_checks import check_segregation
from shared.state_checks import describe


def validate(subject: Definition | Any) -> Report:
    """All findings for a `Definition`, or for a loaded document (then schema problems first:
    a document that does not match the model yields only its `schema` findings)."""
    if isinstance(subject, Definition):
        definition = subject
    else:
        try:
            definition = parse_definition(subject)
        except SchemaError as exc:
            return Report(exc.findings)
    findings = _Checks(definition).run()
    findings.sort(key=lambda f: f.severity != "error")
    return Report(findings)


class _Checks:
    """Indexes built once (states by id, transitions by source, the graph) shared by all checks,
    so that every check is linear in the size of the definition."""

    def __init__(self, definition: Definition) -> None:
        self.definition = definition
        self.states: dict[str, State] = {}
        for state in definition.states:
            self.states.setdefault(state.id, state)
        self.outgoing: dict[str, list[tuple[str, Transition]]] = defaultdict(list)
        for index, transition in enumerate(definition.transitions):
            self.outgoing[transition.source].append((transition.ref(index), transition))
        self.graph = nx.DiGraph()
        self.graph.add_nodes_from(self.states)
        self.graph.add_edges_from(
            (t.source, t.target)
            for t in definition.transitions
            if t.source in self.states and t.target in self.states
        )
        self.dead_ends = [
            s
            for s in self.states.values()
            if not isinstance(s, EndState) and not self.outgoing[s.id]
        ]

    def run(self) -> list[Finding]:
        return [
            *self.duplicate_ids(),
            *self.unknown_states(),
            *self.start_count(),
            *self.unreachable(),
            *self.dead_end(),
            *self.no_way_out(),
            *self.end_has_exit(),
            *state_checks.ambiguous(self.states, self.outgoing),
            *state_checks.bad_exits(self.states, self.outgoing),
            *state_checks.no_default(self.states, self.outgoing),
            *state_checks.missing_parts(self.states),
            *check_expressions(self.definition, self.states),
            *state_checks.no_error_path(self.states, self.outgoing),
            *state_checks.unbounded_waits(self.states),
            *check_branches(self.states, self.graph, self.outgoing),
            *check_security(self.definition),
            *check_classification(self.definition),
            *check_segregation(self.definition, self.states),
            *check_calendars(self.definition, self.states),
        ]

    def duplicate_ids(self) -> list[Finding]:
        found = []
        for state_id, count in Counter(s.id for s in self.definition.states).items():
            if count > 1:
                found.append(
                    Finding.of(
                        "duplicate-id",
                        f"{count} states share the id '{state_id}': give each state its own id",
                        states=[state_id],
                    )
                )
        explicit = Counter(t.id for t in self.definition.transitions if t.id)
        for transition_id, count in explicit.items():
            if count > 1:
                found.append(
                    Finding.of(
                        "duplicate-id",
                        f"{count} transitions share the id '{transition_id}': "
                        "give each its own id or leave the id out",
                        transitions=[transition_id],
                    )
                )
        return found

    def unknown_states(self) -> list[Finding]:
        found = []
        for index, t in enumerate(self.definition.transitions):
            missing = [end for end in (t.source, t.target) if end not in self.states]
            for state_id in dict.fromkeys(missing):
                side = "from" if state_id == t.source else "to"
                found.append(
                    Finding.of(
                        "unknown-state",
                        f"transition {t.ref(index)} ({t.source} -> {t.target}) goes {side} "
                        f"'{state_id}', but there is no such state: create it or correct the id",
                        states=[s for s in (t.source, t.target) if s in self.states],
                        transitions=[t.ref(index)],
                    )
                )
        return found

    def start_ids(self) -> list[str]:
        return [s.id for s in self.states.values() if isinstance(s, StartState)]

    def start_count(self) -> list[Finding]:
        starts = self.start_ids()
        if not starts:
            return [
                Finding.of(
                    "no-start",
                    "the process has no start state: add exactly one state of type start",
                )
            ]
        if len(starts) > 1:
            names = ", ".join(f"'{s}'" for s in starts)
            return [
                Finding.of(
                    "many-starts",
                    f"the process has {len(starts)} start states ({names}): keep exactly one",
                    states=starts,
                )
            ]
        return []

    def unreachable(self) -> list[Finding]:
        starts = self.start_ids()
        if not starts:
            return []
        reached = set(starts)
        for start in starts:
            reached |= nx.descendants(self.graph, start)
        start_names = " or ".join(f"'{s}'" for s in starts)
        return [
            Finding.of(
                "unreachable",
                f"{describe(state)} cannot be reached from the start {start_names}: "
                "add a transition into it or delete it",
                states=[state.id],
            )
            for state in self.states.values()
            if state.id not in reached
        ]

    def dead_end(self) -> list[Finding]:
        return [
            Finding.of(
                "dead-end",
                f"{describe(state)} has no outgoing transition, so an instance would stop there "
                "forever: add a transition, or make it an end state",
                states=[state.id],
            )
            for state in self.dead_ends
        ]

    def no_way_out(self) -> list[Finding]:
        finishing = {s.id for s in self.states.values() if isinstance(s, EndState)}
        finishing |= {s.id for s in self.dead_ends}  # reported as dead-end already
        finishing |= {t.source for t in self.definition.transitions if t.target not in self.states}
        finishing &= self.states.keys()
        can_finish = set(finishing)
        frontier = list(finishing)
        while frontier:  # one breadth-first walk backwards from everything that finishes
            for predecessor in self.graph.pred[frontier.pop()]:
                if predecessor not in can_finish:
                    can_finish.add(predecessor)
                    frontier.append(predecessor)
        trapped = [s for s in self.states.values() if s.id not in can_finish]
        if not trapped:
            return []
        trapped_ids = self.graph.subgraph(s.id for s in trapped)
        in_loop = set()
        for component in nx.strongly_connected_components(trapped_ids):
            if len(component) > 1 or any(self.graph.has_edge(n, n) for n in component):
                in_loop |= component
        found = []
        for state in trapped:
            where = "is caught in" if state.id in in_loop else "leads only into"
            found.append(
                Finding.of(
                    "no-way-out",
                    f"{describe(state)} {where} a closed loop from which no end state can be "
                    "reached: add a way out (an error, timeout or guarded transition) towards "
                    "an end state",
                    states=[state.id],
                )
            )
        return found

    def end_has_exit(self) -> list[Finding]:
        return [
            Finding.of(
                "end-has-exit",
                f"{describe(state)} has outgoing transitions, but an instance stops at an end "
                "state: remove them, or change the state's type",
                states=[state.id],
                transitions=[ref for ref, _ in self.outgoing[state.id]],
            )
            for state in self.states.values()
            if isinstance(state, EndState) and self.outgoing[state.id]
        ]
