"""Checks of each state against what its type needs and how its type is left (SPEC §2).

Each function takes the states by id and their outgoing transitions (`(ref, transition)`
pairs, built once by `shared.validation`) and returns the findings of one or two codes.
States without any outgoing transition are left to the `dead-end` check alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from shared.definition import (
    DecisionState,
    EndState,
    ForkState,
    HumanState,
    JoinState,
    StartState,
    State,
    SubprocessState,
    TaskState,
    TimerState,
    Transition,
    WaitState,
)
from shared.findings import Finding

Exits = Mapping[str, list[tuple[str, Transition]]]

FINISHING_EVENTS = ("done", "error")


def describe(state: State) -> str:
    """How messages name a state: `task 'score'`."""
    return f"{state.type} '{state.id}'"


def ambiguous(states: Mapping[str, State], outgoing: Exits) -> list[Finding]:
    found = []
    for state in states.values():
        if isinstance(state, EndState | ForkState):
            continue  # end-has-exit says these must go; a fork takes all of them at once
        unguarded: dict[str | None, list[str]] = defaultdict(list)
        for ref, t in outgoing.get(state.id, []):
            if not t.when:
                unguarded[t.on or None].append(ref)
        for event, refs in unguarded.items():
            if len(refs) > 1:
                on = f"on '{event}'" if event else "without an event"
                found.append(
                    Finding.of(
                        "ambiguous",
                        f"{describe(state)} has {len(refs)} unguarded transitions {on} "
                        f"({', '.join(refs)}): give all but one a `when` guard, or remove one",
                        states=[state.id],
                        transitions=refs,
                    )
                )
    return found


def bad_exits(states: Mapping[str, State], outgoing: Exits) -> list[Finding]:
    found = []
    for state in states.values():
        exits = outgoing.get(state.id, [])
        if isinstance(state, StartState | JoinState) and len(exits) > 1:
            found.append(
                Finding.of(
                    "bad-exit",
                    f"{describe(state)} has {len(exits)} transitions but is left by exactly one: "
                    "branch in a decision after it",
                    states=[state.id],
                    transitions=[ref for ref, _ in exits],
                )
            )
        for ref, t in exits:
            problem = exit_problem(state, t)
            if problem:
                found.append(
                    Finding.of(
                        "bad-exit",
                        f"transition {ref} ({t.source} -> {t.target}): {describe(state)} {problem}",
                        states=[state.id],
                        transitions=[ref],
                    )
                )
    return found


def exit_problem(state: State, t: Transition) -> str | None:
    """Why `t` cannot leave `state`, or None when it fits the state's type."""
    if isinstance(state, StartState | DecisionState | ForkState | JoinState):
        if t.on:
            return f'is left at once, so its transitions take no event: remove `on: "{t.on}"`'
        if t.when and isinstance(state, ForkState | JoinState):
            return "takes every branch (a join its one exit) unconditionally: remove `when`"
        return None
    if isinstance(state, TimerState):
        return None if t.on == "elapsed" else 'is left only `on: "elapsed"`'
    if isinstance(state, TaskState | SubprocessState):
        return None if t.on in FINISHING_EVENTS else 'is left only `on: "done"` or `on: "error"`'
    if isinstance(state, WaitState | HumanState):
        if not t.on:
            kind = "the external event" if isinstance(state, WaitState) else "the inbox button"
            return f"is left by named events: set `on` to {kind} that takes this transition"
        if isinstance(state, WaitState) and t.on == "timeout" and state.timeout_s is None:
            return 'has an `on: "timeout"` transition but no `timeout_s`, so it never fires'
    return None


def no_default(states: Mapping[str, State], outgoing: Exits) -> list[Finding]:
    found = []
    for state in states.values():
        exits = outgoing.get(state.id, [])
        if isinstance(state, DecisionState) and exits and not any(t.default for _, t in exits):
            found.append(
                Finding.of(
                    "no-default",
                    f"{describe(state)} has no default transition, so an instance would be stuck "
                    "when no guard holds: mark one transition `default: true`",
                    states=[state.id],
                    transitions=[ref for ref, _ in exits],
                )
            )
    return found


def missing_parts(states: Mapping[str, State]) -> list[Finding]:
    """A human task without role, a task without action (a subprocess without definition:
    SPEC has no code of its own for it), a timer without duration."""
    found = []
    for state in states.values():
        if isinstance(state, HumanState) and not state.role:
            code, need = "missing-role", "has no role: name the role whose inbox gets the task"
        elif isinstance(state, TaskState) and not state.action:
            code, need = "missing-action", "has no action: name the registered action it runs"
        elif isinstance(state, SubprocessState) and not state.definition:
            code = "missing-action"
            need = "names no definition: set `definition` to the key of the process it starts"
        elif isinstance(state, TimerState) and state.duration_s is None and not state.until:
            code = "missing-duration"
            need = "has neither `duration_s` nor `until`: say how long it waits"
        else:
            continue
        found.append(Finding.of(code, f"{describe(state)} {need}", states=[state.id]))
    return found


def no_error_path(states: Mapping[str, State], outgoing: Exits) -> list[Finding]:
    return [
        Finding.of(
            "no-error-path",
            f'{describe(state)} has no `on: "error"` transition: when its action fails for '
            "good the instance stops as an incident; add an error path",
            states=[state.id],
        )
        for state in states.values()
        if isinstance(state, TaskState)
        and outgoing.get(state.id)
        and not any(t.on == "error" for _, t in outgoing[state.id])
    ]


def unbounded_waits(states: Mapping[str, State]) -> list[Finding]:
    found = []
    for state in states.values():
        if isinstance(state, WaitState) and state.timeout_s is None:
            advice = 'no `timeout_s`: it may wait forever; set one, with an `on: "timeout"` exit'
        elif isinstance(state, HumanState) and state.sla_s is None:
            advice = "no `sla_s`: nobody learns that the task is overdue; set one and `escalate_to`"
        else:
            continue
        found.append(Finding.of("unbounded-wait", f"{describe(state)} has {advice}", [state.id]))
    return found
