"""Checking start variables and event payloads against the declared variable types."""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

from runtime.core.errors import VariablesInvalid
from shared.definition import Definition


def _is_date(value: Any) -> bool:
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True


def _is_datetime(value: Any) -> bool:
    try:
        datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True


_CHECKS = {
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "date": lambda v: isinstance(v, str) and _is_date(v),
    "datetime": lambda v: isinstance(v, str) and _is_datetime(v),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}

_EXPECTED = {
    "string": "a string", "number": "a number", "integer": "a whole number",
    "boolean": "true or false", "date": "an ISO date like 2026-01-31",
    "datetime": "an ISO date-time like 2026-01-31T09:30:00Z", "object": "an object",
    "array": "a list",
}


def unstorable(value: Any) -> str | None:
    """What in `value` no store can hold or hash, named by its path, or None: a NUL
    character or a lone UTF-16 surrogate in a string or a name (the canonical JSON of the
    hash chain is UTF-8), or a number out of range (`1e400` parses as infinity)."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        node, where = stack.pop()
        if isinstance(node, float) and math.isinf(node):
            return f"{where or 'the value'} is a number out of range ({node})"
        if isinstance(node, str) and (problem := _bad_text(node)):
            return f"{where or 'the value'} contains {problem}"
        if isinstance(node, dict):
            for key, item in node.items():
                if isinstance(key, str) and (problem := _bad_text(key)):
                    return f"the name {where}.{key!a}".replace(" .", " ") + f" contains {problem}"
                stack.append((item, f"{where}.{key}".lstrip(".")))
        elif isinstance(node, list):
            stack.extend((item, f"{where}[{i}]") for i, item in enumerate(node))
    return None


def _bad_text(text: str) -> str | None:
    if "\x00" in text:
        return "a NUL character"
    if _SURROGATE.search(text):
        return "a lone UTF-16 surrogate (not a character)"
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")


def check_values(definition: Definition, values: Any, where: str) -> dict[str, Any]:
    """`values` as a dict when every declared variable in it has its declared type."""
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise VariablesInvalid(f"{where} must be an object, not {type(values).__name__}")
    if problem := unstorable(values):
        raise VariablesInvalid(f"{where}: {problem}", {"problems": [problem]})
    types = {v.name: v.type for v in definition.variables}
    problems = []
    for name, value in values.items():
        kind = types.get(name)
        if kind is not None and value is not None and not _CHECKS[kind](value):
            problems.append(f"variable {name!r} must be {_EXPECTED[kind]}, got {value!r}")
    if problems:
        raise VariablesInvalid(f"{where}: " + "; ".join(problems), {"problems": problems})
    return dict(values)


def check_start_variables(definition: Definition, variables: Any) -> dict[str, Any]:
    """Start variables with declared defaults filled in; required ones must be present."""
    values = check_values(definition, variables, f"the variables of {definition.key!r}")
    missing = [
        v.name for v in definition.variables
        if v.required and values.get(v.name) is None and v.default is None
    ]
    if missing:
        raise VariablesInvalid(
            f"starting {definition.key!r} needs the required variable(s): {', '.join(missing)}",
            {"missing": missing},
        )
    for v in definition.variables:
        if v.default is not None and values.get(v.name) is None:
            values[v.name] = v.default
    return values
