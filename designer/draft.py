"""The process being drawn: a `statewright/v1` document edited by canvas gestures and forms.

The draft is a plain dict, not a `Definition`, because a half-drawn process is often not a
valid model yet (an empty id, a guard being typed); `shared.validation` reports what is wrong
and the canvas shows it. Every method here changes the document the way a user expects and
nothing else: graph rules live in the validator only.
"""

from __future__ import annotations

import copy
from typing import Any

from designer.layout import auto_layout
from designer.state_styles import STATE_STYLES
from shared.definition import SCHEMA_ID, STATE_TYPES

# What a new arrow from a state of each type may be taken by (SPEC §2, `bad-exit`): the
# designer asks which one (`connect_dialog`); types missing here are left at once, without `on`.
FIXED_EVENTS = {"task": ["done", "error"], "subprocess": ["done", "error"], "timer": ["elapsed"]}
NAMED_EVENTS = {"wait": "message", "human": "submit"}  # offered when the draft names none yet
INTERNAL_EVENTS = frozenset({"done", "error", "timeout", "elapsed"})


def new_document(key: str, name: str | None = None) -> dict[str, Any]:
    """An empty process with a start state, the smallest thing worth opening in the designer."""
    return {
        "schema": SCHEMA_ID,
        "key": key,
        "name": name or key,
        "states": [{"id": "start", "type": "start", "name": "Start"}],
        "transitions": [],
        "layout": {"start": {"x": 0, "y": 0}},
    }


def transition_ref(transition: dict[str, Any], index: int) -> str:
    """The id findings and the canvas use for a transition: its own id, else `t<index>`."""
    return transition.get("id") or f"t{index}"


class Draft:
    """A mutable process document with the editing verbs of the designer."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.doc: dict[str, Any] = copy.deepcopy(document)
        self.doc.setdefault("states", [])
        self.doc.setdefault("transitions", [])
        self.doc.setdefault("layout", {})

    # --- lookups ---------------------------------------------------------------------------
    @property
    def states(self) -> list[dict[str, Any]]:
        return self.doc["states"]

    @property
    def transitions(self) -> list[dict[str, Any]]:
        return self.doc["transitions"]

    def state(self, state_id: str) -> dict[str, Any] | None:
        return next((s for s in self.states if s.get("id") == state_id), None)

    def transition(self, ref: str) -> dict[str, Any] | None:
        return next(
            (t for i, t in enumerate(self.transitions) if transition_ref(t, i) == ref), None
        )

    def _unused_id(self, stem: str) -> str:
        taken = {s.get("id") for s in self.states}
        n = 1
        while f"{stem}_{n}" in taken:
            n += 1
        return f"{stem}_{n}"

    # --- editing verbs ---------------------------------------------------------------------
    def add_state(self, state_type: str, x: float, y: float) -> str:
        """Add a state of `state_type` at (x, y); returns its new id."""
        if state_type not in STATE_TYPES:
            raise ValueError(f"unknown state type {state_type!r}; expected one of {STATE_TYPES}")
        state_id = self._unused_id(state_type)
        number = state_id.rsplit("_", 1)[1]
        self.states.append(
            {
                "id": state_id,
                "type": state_type,
                "name": f"{STATE_STYLES[state_type].label} {number}",
            }
        )
        self.doc["layout"][state_id] = {"x": round(x), "y": round(y)}
        return state_id

    def connect(self, source: str, target: str, event: str | None = None) -> str | None:
        """Add a transition source -> target taken by `event` (the analyst's choice: no event
        is guessed, a wrong guess such as a second `done` is an ambiguity); a decision's first
        transition becomes its default. Returns its ref, or None when either end does not
        exist (a stale gesture from the browser)."""
        origin = self.state(source)
        if origin is None or self.state(target) is None:
            return None
        transition: dict[str, Any] = {"from": source, "to": target}
        if event:
            transition["on"] = event
        elif origin.get("type") == "decision" and not any(
            t.get("default") for t in self.transitions if t.get("from") == source
        ):
            transition["default"] = True
        self.transitions.append(transition)
        return transition_ref(transition, len(self.transitions) - 1)

    def event_choices(self, source: str) -> tuple[list[str], set[str]] | None:
        """The events to offer for a new arrow from `source` and those its unguarded arrows
        take already (a second one would be `ambiguous`); None when its arrows take no event.
        Waits and human tasks get the names the draft already uses for states of their type
        (the state's own first), a wait with `timeout_s` also `timeout`."""
        origin = self.state(source) or {}
        kind = origin.get("type")
        leaving = [t for t in self.transitions if t.get("from") == source]
        taken = {t["on"] for t in leaving if t.get("on") and not t.get("when")}
        if kind in FIXED_EVENTS:
            return list(FIXED_EVENTS[kind]), taken
        if kind not in NAMED_EVENTS:
            return None
        same_kind = {s.get("id") for s in self.states if s.get("type") == kind}
        used = [t.get("on") for t in leaving] + [
            t.get("on") for t in self.transitions if t.get("from") in same_kind
        ]
        names = [e for e in dict.fromkeys(used) if e and e not in INTERNAL_EVENTS]
        timeout = ["timeout"] if kind == "wait" and origin.get("timeout_s") else []
        return (names or [NAMED_EVENTS[kind]]) + timeout, taken

    def delete(self, state_ids: list[str], transition_refs: list[str]) -> None:
        """Remove states (with their transitions) and transitions, resolved before any change."""
        gone_states = set(state_ids)
        gone_refs = set(transition_refs)
        self.doc["transitions"] = [
            t
            for i, t in enumerate(self.transitions)
            if transition_ref(t, i) not in gone_refs
            and t.get("from") not in gone_states
            and t.get("to") not in gone_states
        ]
        self.doc["states"] = [s for s in self.states if s.get("id") not in gone_states]
        for state_id in gone_states:
            self.doc["layout"].pop(state_id, None)

    def move(self, positions: list[dict[str, Any]]) -> None:
        """Store canvas positions; layout never changes the process's meaning."""
        for position in positions:
            if self.state(str(position.get("id"))) is not None:
                self.doc["layout"][position["id"]] = {
                    "x": round(float(position["x"])),
                    "y": round(float(position["y"])),
                }

    def update_state(self, state_id: str, field: str, value: Any) -> str:
        """Set one field of a state (empty values remove it); renaming the id follows through
        transitions and layout. Returns the state's id after the change."""
        state = self.state(state_id)
        if state is None:
            raise KeyError(f"no state {state_id!r}")
        if field == "id":
            new_id = str(value or "").strip()
            if not new_id or new_id == state_id or self.state(new_id) is not None:
                return state_id
            state["id"] = new_id
            for t in self.transitions:
                t["from"] = new_id if t.get("from") == state_id else t.get("from")
                t["to"] = new_id if t.get("to") == state_id else t.get("to")
            if state_id in self.doc["layout"]:
                self.doc["layout"][new_id] = self.doc["layout"].pop(state_id)
            return new_id
        _set_or_drop(state, field, value)
        return state_id

    def update_transition(self, ref: str, field: str, value: Any) -> None:
        """Set one field of a transition (empty values remove it)."""
        transition = self.transition(ref)
        if transition is None:
            raise KeyError(f"no transition {ref!r}")
        _set_or_drop(transition, field, value)

    def update_process(self, field: str, value: Any) -> None:
        """Set a top-level field (name, description, sla_s, schedule); empty removes it."""
        if field in ("schema", "key", "states", "transitions", "layout", "variables"):
            raise ValueError(f"{field!r} is not edited as a process property")
        _set_or_drop(self.doc, field, value)

    @property
    def variables(self) -> list[dict[str, Any]]:
        return self.doc.setdefault("variables", [])

    def add_variable(self) -> int:
        """Declare a new string variable with an unused name; returns its index."""
        taken = {v.get("name") for v in self.variables}
        n = 1
        while f"variable_{n}" in taken:
            n += 1
        self.variables.append({"name": f"variable_{n}", "type": "string"})
        return len(self.variables) - 1

    def update_variable(self, index: int, field: str, value: Any) -> None:
        _set_or_drop(self.variables[index], field, value)

    def remove_variable(self, index: int) -> None:
        del self.variables[index]
        if not self.variables:
            self.doc.pop("variables")

    # --- what the canvas draws -------------------------------------------------------------
    @property
    def laid_out(self) -> bool:
        """Whether any state has a stored position (else the canvas lays the graph out)."""
        return any(s.get("id") in self.doc["layout"] for s in self.states)

    def canvas_nodes(self) -> list[dict[str, Any]]:
        positions = auto_layout(self.doc)
        return [
            {
                "id": s["id"],
                "type": s.get("type"),
                "x": positions[s["id"]]["x"],
                "y": positions[s["id"]]["y"],
                "label": s.get("name") or s["id"],
                "detail": state_detail(s),
            }
            for s in self.states
            if s.get("id") in positions
        ]

    def canvas_edges(self) -> list[dict[str, Any]]:
        return [
            {
                "id": transition_ref(t, i),
                "source": t.get("from"),
                "target": t.get("to"),
                "label": transition_label(t),
            }
            for i, t in enumerate(self.transitions)
        ]


def _set_or_drop(target: dict[str, Any], field: str, value: Any) -> None:
    if value is None or value is False or value in ("", {}, []):
        target.pop(field, None)
    else:
        target[field] = value


def state_detail(state: dict[str, Any]) -> str:
    """The second line of a node: what the state does, in a few words."""
    kind = state.get("type")
    if kind == "task" and state.get("action"):
        return f"action: {state['action']}"
    if kind == "human" and state.get("role"):
        return f"role: {state['role']}"
    if kind == "timer" and state.get("duration_s"):
        return f"after {human_duration(state['duration_s'])}"
    if kind == "subprocess" and state.get("definition"):
        return f"runs {state['definition']}"
    if kind == "end":
        return state.get("outcome", "completed")
    return STATE_STYLES[kind].label if kind in STATE_STYLES else str(kind)


def transition_label(transition: dict[str, Any]) -> str:
    """Edge text: event, guard in brackets, and `default` for a decision's fallback."""
    parts = []
    if transition.get("label"):
        parts.append(str(transition["label"]))
    elif transition.get("on"):
        parts.append(str(transition["on"]))
    if transition.get("when"):
        parts.append(f"[{transition['when']}]")
    if transition.get("default"):
        parts.append("default")
    return " ".join(parts)


def human_duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)} {unit}"
    return f"{seconds:g} s"
