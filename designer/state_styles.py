"""How each state type looks: one table read by the canvas, the palette and the docs.

Keeping shape, colour and icon in one place means the palette chip, the canvas node and
the documentation never disagree about what a "timer" looks like.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from shared.definition import STATE_TYPES


@dataclass(frozen=True)
class StateStyle:
    """The look of one state type. `shape` is a CSS class suffix known to the canvas."""

    label: str
    shape: str  # circle | rounded | box | dashed | diamond | double | bar
    colour: str
    icon: str  # a Material Icons ligature name
    summary: str


STATE_STYLES: dict[str, StateStyle] = {
    "start": StateStyle("Start", "circle", "#16a34a", "play_arrow", "Where every instance begins"),
    "task": StateStyle("Task", "rounded", "#2563eb", "settings", "Runs an automated action"),
    "human": StateStyle(
        "Human task", "rounded", "#7c3aed", "person", "Waits for a person's decision"
    ),
    "wait": StateStyle(
        "Wait", "dashed", "#0891b2", "hourglass_empty", "Waits for an outside event"
    ),
    "timer": StateStyle("Timer", "circle", "#ca8a04", "schedule", "Waits for a duration"),
    "decision": StateStyle("Decision", "diamond", "#ea580c", "call_split", "Routes by guard"),
    "subprocess": StateStyle(
        "Subprocess", "double", "#0f766e", "account_tree", "Runs another process"
    ),
    "fork": StateStyle("Fork", "bar", "#334155", "call_split", "Starts parallel branches"),
    "join": StateStyle("Join", "bar", "#334155", "call_merge", "Waits for every branch"),
    "end": StateStyle("End", "circle", "#475569", "stop", "Where an instance finishes"),
}

assert set(STATE_STYLES) == set(STATE_TYPES), "every state type needs a style"


def styles_for_canvas() -> dict[str, dict[str, str]]:
    """The table as plain dicts, the form the canvas component takes as a prop."""
    return {state_type: asdict(style) for state_type, style in STATE_STYLES.items()}


def markdown_table() -> str:
    """The table for the docs, so the documentation is generated from the same data."""
    rows = ["| type | shape | colour | icon | what it does |", "|---|---|---|---|---|"]
    rows += [
        f"| `{t}` | {s.shape} | `{s.colour}` | `{s.icon}` | {s.summary} |"
        for t, s in STATE_STYLES.items()
    ]
    return "\n".join(rows)
