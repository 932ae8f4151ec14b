"""The `bad-guard` and `unknown-variable` checks over every CEL expression of a definition.

A name is known when it is `event`, a declared variable, a field of some human task's form
(its value is merged into the variables), or the target of some `set` assignment: anything
else in an expression is probably a typo, and is a warning because the runtime may still
receive it in a payload.
"""

from __future__ import annotations

from collections.abc import Iterator

from shared.definition import Definition, HumanState, State, SubprocessState, TimerState, WaitState
from shared.errors import GuardError
from shared.findings import Finding
from shared.guards import EVENT, referenced_names

# Python spellings analysts often type; in CEL they are plain (unknown) names.
_CEL_WORDS = {"True": "true", "False": "false", "None": "null"}


def known_names(definition: Definition) -> set[str]:
    """Names an expression may use without an `unknown-variable` warning."""
    names = {EVENT, *(v.name for v in definition.variables)}
    for state in definition.states:
        if isinstance(state, HumanState):
            names.update(field.name for field in state.form)
    for transition in definition.transitions:
        names.update(transition.set)
    return names


def check_expressions(definition: Definition, states: dict[str, State]) -> list[Finding]:
    known = known_names(definition)
    found = []
    for where, src, sources, transition_refs in _expressions(definition):
        state_ids = [state_id for state_id in sources if state_id in states]
        try:
            unknown = sorted(referenced_names(src) - known)
        except GuardError as exc:
            found.append(
                Finding.of(
                    "bad-guard",
                    f"{where}: `{_short(src)}` does not compile ({exc}): fix the CEL expression",
                    states=state_ids,
                    transitions=transition_refs,
                )
            )
            continue
        if unknown:
            found.append(_unknown(where, src, unknown, state_ids, transition_refs))
    for state in states.values():
        if isinstance(state, WaitState) and state.correlate and state.correlate not in known:
            found.append(
                Finding.of(
                    "unknown-variable",
                    f"wait '{state.id}' correlates on '{state.correlate}', which is not a declared "
                    "variable: declare it under `variables` or fix the spelling",
                    states=[state.id],
                )
            )
    return found


def _expressions(definition: Definition) -> Iterator[tuple[str, str, list[str], list[str]]]:
    """Every expression with a description of where it is and what it belongs to."""
    for index, t in enumerate(definition.transitions):
        ref = t.ref(index)
        where = f"transition {ref} ({t.source} -> {t.target})"
        if t.when is not None:
            yield f"{where} guard", t.when, [t.source], [ref]
        for variable, src in t.set.items():
            yield f"{where} set '{variable}'", src, [t.source], [ref]
    for state in definition.states:
        if isinstance(state, TimerState) and state.until is not None:
            yield f"timer '{state.id}' until", state.until, [state.id], []
        if isinstance(state, SubprocessState):
            for variable, src in state.input.items():
                yield f"subprocess '{state.id}' input '{variable}'", src, [state.id], []


def _unknown(
    where: str, src: str, unknown: list[str], state_ids: list[str], refs: list[str]
) -> Finding:
    names = ", ".join(f"'{name}'" for name in unknown)
    noun = "a declared variable" if len(unknown) == 1 else "declared variables"
    advice = (
        f"declare {'it' if len(unknown) == 1 else 'them'} under `variables` or fix the spelling"
    )
    python_words = [f"{name} -> {_CEL_WORDS[name]}" for name in unknown if name in _CEL_WORDS]
    if python_words:
        advice = f"CEL writes {', '.join(python_words)}"
    return Finding.of(
        "unknown-variable",
        f"{where}: `{_short(src)}` uses {names}, not {noun}: {advice}",
        states=state_ids,
        transitions=refs,
    )


def _short(src: str, limit: int = 80) -> str:
    return src if len(src) <= limit else src[: limit - 1] + "…"
