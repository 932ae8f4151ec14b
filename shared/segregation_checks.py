"""Checks of a definition's `segregation` rules: each names distinct states that exist and
that a person leaves (start, human, wait), since only those have a person to compare."""

from __future__ import annotations

from collections.abc import Mapping

from shared.definition import Definition, State
from shared.findings import Finding

# The state types a person leaves: the starter leaves the start state, the task's assignee
# a human state, the sender of the event a wait.
PERSONAL_TYPES = ("start", "human", "wait")


def rule_label(index: int, name: str | None) -> str:
    return f"segregation[{index}]" + (f" ({name!r})" if name else "")


def check_segregation(definition: Definition, states: Mapping[str, State]) -> list[Finding]:
    found = []
    for index, rule in enumerate(definition.segregation):
        label = rule_label(index, rule.name)
        repeated = sorted({s for s in rule.states if rule.states.count(s) > 1})
        if repeated:
            found.append(Finding.of(
                "bad-segregation", f"{label} names {', '.join(repeated)} more than once: list "
                "each state once", states=[s for s in repeated if s in states]))
        for state_id in dict.fromkeys(rule.states):
            state = states.get(state_id)
            if state is None:
                found.append(Finding.of(
                    "bad-segregation", f"{label} names '{state_id}', but there is no such "
                    "state: correct the id or remove it from the rule"))
            elif state.type not in PERSONAL_TYPES:
                found.append(Finding.of(
                    "bad-segregation", f"{label} names {state.type} '{state_id}', which no "
                    f"person does: name only {', '.join(PERSONAL_TYPES)} states",
                    states=[state_id]))
    return found
