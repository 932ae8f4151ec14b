"""A definition as a Mermaid `stateDiagram-v2`, for documentation (export only).

Mermaid renders in Markdown on most code hosts and wikis, so a process can be shown next to
its prose. The start state is entered from `[*]`, end states lead to `[*]`, decisions are
`<<choice>>` diamonds, forks and joins `<<fork>>` and `<<join>>` bars; arrows carry the
event (or label) and the guard in brackets.
"""

from __future__ import annotations

import re

from shared.definition import Definition

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")
_STEREOTYPES = {"decision": "choice", "fork": "fork", "join": "join"}


def write_mermaid(definition: Definition) -> str:
    names: dict[str, str] = {}
    for state in definition.states:  # Mermaid ids: letters, digits, `_` only
        candidate = _UNSAFE.sub("_", state.id)
        while candidate in names.values():
            candidate += "_"
        names[state.id] = candidate
    lines = []
    if definition.name:
        lines += ["---", f"title: {_text(definition.name)}", "---"]
    lines += ["stateDiagram-v2", "    direction LR"]
    for state in definition.states:
        if state.type in _STEREOTYPES:
            lines.append(f"    state {names[state.id]} <<{_STEREOTYPES[state.type]}>>")
        elif state.name or names[state.id] != state.id:
            lines.append(f'    state "{_text(state.label).replace(chr(34), "")}" as '
                         f"{names[state.id]}")
    for state in definition.states:
        if state.type == "start":
            lines.append(f"    [*] --> {names[state.id]}")
    for transition in definition.transitions:
        source, target = names.get(transition.source), names.get(transition.target)
        if source is None or target is None:
            continue
        text = " ".join(part for part in (
            transition.label or transition.on,
            f"[{transition.when}]" if transition.when else None,
            "(otherwise)" if transition.default and not transition.label else None) if part)
        lines.append(f"    {source} --> {target}" + (f": {_text(text)}" if text else ""))
    for state in definition.states:
        if state.type == "end":
            lines.append(f"    {names[state.id]} --> [*]")
    return "\n".join(lines) + "\n"


def _text(value: str) -> str:
    """One line, without the characters that end a Mermaid statement or open a comment."""
    return " ".join(value.split()).replace(";", ",").replace("%%", "%")
