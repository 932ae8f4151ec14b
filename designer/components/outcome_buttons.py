"""The outcome buttons of a task form, styled by what they do: approving ones filled in the
primary colour, destructive ones red (and asked about first), the others outlined.

The kind is read from the outcome's name and its transition's label ("reject",
"Cancel order", "approve_partly"), as a definition has no other hint.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from nicegui import ui

from designer.components.confirm import ConfirmDialog
from shared.definition import Definition

PRIMARY, NEUTRAL, DESTRUCTIVE = "primary", "neutral", "destructive"
DESTRUCTIVE_WORDS = ("reject", "cancel", "delete", "discard", "terminate", "decline", "deny",
                     "abort", "remove", "erase", "refuse", "void", "revoke")
APPROVING_WORDS = ("approve", "accept", "confirm", "complete", "done", "submit", "grant",
                   "pay", "ok", "yes", "sign", "release", "publish")
PROPS = {PRIMARY: "unelevated color=primary", NEUTRAL: "outline",
         DESTRUCTIVE: "unelevated color=negative"}


def outcome_kind(outcome: str, label: str | None = None) -> str:
    """PRIMARY, NEUTRAL or DESTRUCTIVE; a destructive word anywhere wins ("approve_or_reject"
    stays safe only if nothing in it destroys)."""
    words = re.findall(r"[a-z]+", f"{outcome} {label or ''}".lower())
    if any(w.startswith(d) for w in words for d in DESTRUCTIVE_WORDS):
        return DESTRUCTIVE
    if any(w.startswith(a) for w in words for a in APPROVING_WORDS):
        return PRIMARY
    return NEUTRAL


def transition_labels(definition: Definition, state: str) -> dict[str, str]:
    """Labels of the events leaving `state`, by event name."""
    return {t.on: t.label for t in definition.transitions
            if t.source == state and t.on and t.label}


def outcome_buttons(outcomes: Iterable[str], labels: dict[str, str],
                    choose: Callable[[str], Any]) -> list[ui.button]:
    """A button per outcome; a destructive one asks before `choose` runs."""
    confirm = ConfirmDialog()
    buttons = []
    for outcome in outcomes:
        kind = outcome_kind(outcome, labels.get(outcome))
        text = outcome.replace("_", " ")

        def click(o: str = outcome, k: str = kind, t: str = text) -> Any:
            if k != DESTRUCTIVE:
                return choose(o)
            return confirm.ask(f"{t.capitalize()} this task? The instance moves on and this "
                               "cannot be undone.", t.capitalize(), lambda: choose(o))

        button = ui.button(text, on_click=lambda _, c=click: c()).props(
            f'{PROPS[kind]} data-testid="outcome-{outcome}" data-kind="{kind}"')
        buttons.append(button.mark(f"outcome-{outcome}"))
    return buttons
