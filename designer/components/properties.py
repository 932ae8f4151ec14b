"""The properties panel: the fields of the selected state or transition, edited in place.

Inputs report each change to the page, which edits the draft and re-validates; the panel is
not rebuilt while the user types, so focus and cursor stay where they are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

from designer.components.form_editor import form_editor
from designer.components.mapping_editor import mapping_editor
from designer.durations import duration_error, format_duration, parse_duration
from designer.state_styles import STATE_STYLES

OnChange = Callable[[str, Any], None]

# (field, label, kind) per state type; kind is text | duration | seconds | integer | a tuple of
# choices (`seconds` is a plain number, `duration` is typed in human units like "2h 30m").
STATE_FIELDS: dict[str, list[tuple[str, str, Any]]] = {
    "task": [
        ("action", "Action", "text"),
        ("timeout_s", "Timeout", "duration"),
        ("compensation", "Compensation action", "text"),
    ],
    "human": [
        ("role", "Role", "text"),
        ("sla_s", "SLA", "duration"),
        ("escalate_to", "Escalate to role", "text"),
        ("priority", "Priority", ("low", "normal", "high", "urgent")),
        ("calendar", "Calendar (SLA in working time)", "text"),
    ],
    "wait": [
        ("timeout_s", "Timeout", "duration"),
        ("correlate", "Correlate by variable", "text"),
    ],
    "timer": [
        ("duration_s", "Duration", "duration"),
        ("until", "Until (CEL timestamp)", "text"),
    ],
    "subprocess": [("definition", "Process key", "text"), ("version", "Version", "integer")],
    "end": [("outcome", "Outcome", ("completed", "failed", "cancelled"))],
}


def _field(
    label: str,
    kind: Any,
    value: Any,
    on_change: Callable[[Any], None],
    suggestions: list[str] | None = None,
) -> ui.element:
    if isinstance(kind, tuple):
        return ui.select(
            list(kind), label=label, value=value or kind[0], on_change=lambda e: on_change(e.value)
        )
    if kind == "duration":
        return duration_input(label, value, on_change)
    if kind in ("seconds", "integer"):
        return ui.number(
            label,
            value=value,
            min=0,
            precision=0 if kind == "integer" else None,
            on_change=lambda e: on_change(
                None if e.value is None else (int(e.value) if kind == "integer" else e.value)
            ),
        )
    return ui.input(
        label,
        value=value or "",
        autocomplete=suggestions,
        on_change=lambda e: on_change((e.value or "").strip()),
    )


def duration_input(label: str, value: Any, on_change: Callable[[Any], None]) -> ui.input:
    """A seconds field typed in human units; what cannot be read is shown under the field and
    not applied."""

    def changed(text: str | None) -> None:
        if duration_error(text) is None:
            on_change(parse_duration(text or ""))

    return ui.input(
        label,
        value=format_duration(value) if isinstance(value, int | float) else "",
        placeholder="e.g. 2h 30m, 3d, 90s",
        validation=duration_error,
        on_change=lambda e: changed(e.value),
    )


def state_properties(
    state: dict[str, Any], on_change: OnChange, suggestions: dict[str, list[str]] | None = None
) -> None:
    """Id (applied when the field is left), name, and the fields of the state's type; text
    fields offer `suggestions[field]` (registered actions, known roles) and take free text."""
    suggestions = suggestions or {}
    kind = state.get("type", "")
    style = STATE_STYLES.get(kind)
    with ui.row().classes("items-center gap-2"):
        if style:
            ui.icon(style.icon).style(f"color: {style.colour}").classes("text-2xl")
        ui.label(style.label if style else kind).classes("text-base font-semibold")
    state_id = (
        ui.input("Id", value=state.get("id", ""))
        .mark("field-id")
        .props('data-field="id"')
        .classes("w-full")
    )
    state_id.on("blur", lambda: on_change("id", state_id.value))
    state_id.on("keydown.enter", lambda: on_change("id", state_id.value))
    ui.input(
        "Name", value=state.get("name") or "", on_change=lambda e: on_change("name", e.value)
    ).mark("field-name").props('data-field="name"').classes("w-full")
    for field, label, field_kind in STATE_FIELDS.get(kind, []):
        _field(
            label,
            field_kind,
            state.get(field),
            lambda v, f=field: on_change(f, v),
            suggestions.get(field),
        ).mark(f"field-{field}").props(f'data-field="{field}"').classes("w-full")
    if kind == "task":
        _retry_fields(dict(state.get("retry") or {}), lambda retry: on_change("retry", retry))
    if kind == "human":
        form_editor(list(state.get("form") or []), lambda form: on_change("form", form))
    if kind == "subprocess":
        mapping_editor(
            "Input",
            dict(state.get("input") or {}),
            lambda m: on_change("input", m),
            marker="input",
            expression_hint="CEL from this process",
        )


RETRY_FIELDS = [
    ("max_attempts", "Attempts", "integer"),
    ("initial_s", "First delay", "duration"),
    ("multiplier", "Multiplier", "seconds"),
    ("max_s", "Longest delay", "duration"),
]


def _retry_fields(retry: dict[str, Any], on_change: Callable[[dict[str, Any]], None]) -> None:
    """The task's retry policy; empty fields fall back to the runtime's defaults."""

    def set_field(field: str, value: Any) -> None:
        if value is None:
            retry.pop(field, None)
        else:
            retry[field] = value
        on_change(dict(retry))

    ui.label("Retry").classes("text-sm font-semibold mt-1")
    with ui.grid(columns=2).classes("w-full gap-x-2 gap-y-0"):
        for field, label, kind in RETRY_FIELDS:
            _field(label, kind, retry.get(field), lambda v, f=field: set_field(f, v)).mark(
                f"field-retry-{field}"
            )


def transition_properties(
    transition: dict[str, Any], on_change: OnChange, source_type: str | None
) -> ui.label:
    """Event, guard, default and label; returns the label that shows the guard's error."""
    ui.label(f"{transition.get('from')} → {transition.get('to')}").classes(
        "text-base font-semibold"
    )
    if source_type not in ("start", "decision", "fork", "join"):  # left at once: no event
        ui.input(
            "On event",
            value=transition.get("on") or "",
            on_change=lambda e: on_change("on", e.value),
        ).mark("field-on").props('data-field="on"').classes("w-full")
    if source_type not in ("fork", "join"):  # a fork takes every branch, a join its one exit
        ui.input(
            "When (CEL guard)",
            value=transition.get("when") or "",
            placeholder="amount < 10000",
            on_change=lambda e: on_change("when", e.value),
        ).mark("field-when").props('data-field="when"').classes("w-full font-mono")
    guard_error = ui.label("").classes("text-xs text-red-600 whitespace-pre-wrap")
    guard_error.mark("guard-error").props('data-testid="guard-error"')
    if source_type == "decision":
        ui.checkbox(
            "Default route",
            value=bool(transition.get("default")),
            on_change=lambda e: on_change("default", e.value),
        ).mark("field-default").props('data-field="default"')
    mapping_editor(
        "Set variables",
        dict(transition.get("set") or {}),
        lambda m: on_change("set", m),
        marker="set",
    )
    ui.input(
        "Label",
        value=transition.get("label") or "",
        on_change=lambda e: on_change("label", e.value),
    ).mark("field-label").props('data-field="label"').classes("w-full")
    return guard_error
