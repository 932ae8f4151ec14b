"""Checking completion data against a task's form: every problem, per field, at once."""

from __future__ import annotations

from typing import Any

from runtime.core.variables import _CHECKS, _EXPECTED
from runtime.people.tasks.errors import FormInvalid


def field_errors(form: list[dict[str, Any]], data: Any) -> dict[str, str]:
    """`{field: problem}` for `data` against `form` (empty when it fits).

    With no form declared any object is accepted (the step still checks variable types).
    """
    if not isinstance(data, dict):
        return {"": f"form data must be an object, not {type(data).__name__}"}
    if not form:
        return {}
    fields = {f["name"]: f for f in form}
    errors: dict[str, str] = {}
    for name in data:
        if name not in fields:
            errors[name] = f"is not a field of this form (fields: {', '.join(fields)})"
    for name, spec in fields.items():
        value = data.get(name)
        if value is None or value == "":
            if spec.get("required"):
                errors[name] = "is required"
            continue
        kind = spec.get("type", "string")
        if not _CHECKS[kind](value):
            errors[name] = f"must be {_EXPECTED[kind]}, got {value!r}"
        elif spec.get("options") and value not in spec["options"]:
            allowed = ", ".join(repr(o) for o in spec["options"])
            errors[name] = f"must be one of {allowed}, got {value!r}"
    return errors


def check_form(form: list[dict[str, Any]], data: Any, task_id: str) -> dict[str, Any]:
    """`data` when it fits `form`; else `FormInvalid` listing every field's problem."""
    errors = field_errors(form, data)
    if errors:
        listed = "; ".join(f"{k or 'data'}: {v}" for k, v in errors.items())
        raise FormInvalid(f"the form of task {task_id} is not valid: {listed}",
                          {"task": task_id, "fields": errors})
    return {k: v for k, v in data.items() if v is not None and v != ""}
