"""The form of a human task, generated from its state's `form` fields (SPEC §2).

One input per field, chosen by type (`options` make a select). The inputs only collect and
convert; whether the data fits is decided by the task service (`runtime/people/tasks/forms.py`),
whose message for each field is shown under that field. Values start from the instance's
variables of the same name, except sensitive ones, which are never sent to the browser.
"""

from __future__ import annotations

import json
from typing import Any

from nicegui import ui

JSON_TYPES = ("object", "array")
TEXT_HINTS = {
    "date": "YYYY-MM-DD",
    "datetime": "2026-01-31T09:30:00Z",
    "object": '{"key": "value"}',
    "array": '["first", "second"]',
}


def initial_value(field: dict[str, Any], variables: dict[str, Any],
                  sensitive: frozenset[str]) -> Any:
    """What the input shows first: the current variable (JSON text for objects and lists)."""
    name, kind = field["name"], field.get("type", "string")
    value = None if name in sensitive else variables.get(name)
    if kind == "boolean":
        return bool(value)
    if kind in JSON_TYPES:
        return json.dumps(value) if value is not None else ""
    if kind in ("number", "integer") and field.get("options") is None:
        return value if isinstance(value, int | float) and not isinstance(value, bool) else None
    return value


def converted(field: dict[str, Any], raw: Any) -> tuple[Any, str | None]:
    """(value to submit, or None if left empty; problem when the text cannot be read)."""
    kind = field.get("type", "string")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    if kind in JSON_TYPES:
        try:
            return json.loads(raw), None
        except json.JSONDecodeError as exc:
            return None, f"is not valid JSON ({exc.msg} at character {exc.pos + 1})"
    if kind == "integer" and isinstance(raw, float) and raw.is_integer():
        return int(raw), None
    if isinstance(raw, str) and kind not in ("number", "integer"):
        return raw.strip(), None
    return raw, None


class TaskForm:
    """The inputs of one task's form; `data()` reads them, `show_errors` marks each field."""

    def __init__(self, fields: list[dict[str, Any]], variables: dict[str, Any],
                 sensitive: frozenset[str]) -> None:
        self.fields = fields
        self.inputs: dict[str, Any] = {}
        self.errors: dict[str, ui.label] = {}
        with ui.column().classes("w-full gap-1") as self.container:
            if not fields:
                ui.label("This task has no form: choose an outcome below.").classes(
                    "text-slate-600")
            for field in fields:
                self._field(field, initial_value(field, variables, sensitive))
            self.general = ui.label().classes("text-negative text-sm").mark("form-error")
            self.general.set_visibility(False)

    def _field(self, field: dict[str, Any], value: Any) -> None:
        name, kind = field["name"], field.get("type", "string")
        label = (field.get("label") or name) + (" *" if field.get("required") else "")
        testid = f'data-testid="field-{name}"'
        if field.get("options") is not None:
            widget = ui.select(list(field["options"]), label=label, value=value,
                               clearable=not field.get("required"))
        elif kind == "boolean":
            widget = ui.checkbox(label, value=value)
        elif kind in ("number", "integer"):
            widget = ui.number(label, value=value, step=1 if kind == "integer" else None)
        elif kind in JSON_TYPES:
            widget = ui.textarea(label, value=value, placeholder=TEXT_HINTS[kind]).props(
                "autogrow")
        else:
            widget = ui.input(label, value=value, placeholder=TEXT_HINTS.get(kind))
            if kind == "date":
                _date_picker(widget)
        widget.classes("w-full").props(testid).mark(f"field-{name}")
        if field.get("help"):
            ui.label(field["help"]).classes("text-xs text-slate-600 -mt-1")
        error = ui.label().classes("text-negative text-sm -mt-1").mark(f"error-{name}")
        error.props(f'data-testid="error-{name}"')
        error.set_visibility(False)
        self.inputs[name] = widget
        self.errors[name] = error

    def data(self) -> tuple[dict[str, Any], dict[str, str]]:
        """(the values entered, by field name; problems reading them, by field name)."""
        values: dict[str, Any] = {}
        problems: dict[str, str] = {}
        for field in self.fields:
            value, problem = converted(field, self.inputs[field["name"]].value)
            if problem:
                problems[field["name"]] = problem
            elif value is not None:
                values[field["name"]] = value
        return values, problems

    def set_enabled(self, enabled: bool) -> None:
        for widget in self.inputs.values():
            widget.set_enabled(enabled)

    def show_errors(self, errors: dict[str, str]) -> None:
        """Each field's problem under it (cleared where there is none); problems not tied to a
        field of this form go under the form."""
        for name, label in self.errors.items():
            message = errors.get(name)
            label.set_text(f"{_label_of(self.fields, name)} {message}" if message else "")
            label.set_visibility(bool(message))
            if message:
                self.inputs[name].props("error")
            else:
                self.inputs[name].props(remove="error")
        stray = {k: v for k, v in errors.items() if k not in self.errors}
        self.general.set_text("; ".join(f"{k or 'form'}: {v}" for k, v in stray.items()))
        self.general.set_visibility(bool(stray))


def _label_of(fields: list[dict[str, Any]], name: str) -> str:
    field = next(f for f in fields if f["name"] == name)
    return field.get("label") or name


def _date_picker(widget: ui.input) -> None:
    """A calendar beside a date field; typing the date stays possible."""
    with widget, ui.menu().props("no-parent-event") as menu:
        ui.date(mask="YYYY-MM-DD").bind_value(widget)
    with widget.add_slot("append"):
        ui.icon("edit_calendar").classes("cursor-pointer").on("click", menu.open)
