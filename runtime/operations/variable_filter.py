"""The variable filter of the Instances page: `amount > 10000`, `amount>=5`, `status != open`,
`name = x`, read into a name, a comparison and a typed value.

Values read as JSON where they can (numbers, `true`/`false`, `null`, `"quoted text"`), else as
the text written. `=` and `!=` compare any value, `>`, `>=`, `<`, `<=` numbers with numbers and
text with text (ISO dates order as text). An instance without the variable never matches.
Every refusal names the part of the filter that is wrong.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from runtime.core.errors import EngineError

OPERATORS = ("=", "!=", ">", ">=", "<", "<=")
ORDERING = frozenset({">", ">=", "<", "<="})
_SPLIT = re.compile(r"^\s*(?P<name>.*?)\s*(?P<op>==|!=|>=|<=|=|>|<)\s*(?P<value>.*?)\s*$",
                    re.DOTALL)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
EXAMPLE = "amount > 10000, status != open or name = x"


class QueryInvalid(EngineError):
    """An instance filter or sort that cannot be understood."""

    code = "query-invalid"
    status = 422


@dataclass(frozen=True)
class VariableFilter:
    name: str
    op: str
    value: Any

    def matches(self, variables: dict[str, Any]) -> bool:
        """The filter applied in Python, as SQL applies it (for rows SQL cannot look into)."""
        if self.name not in variables:
            return False
        stored = variables[self.name]
        if self.op == "=":
            return _equal(stored, self.value)
        if self.op == "!=":
            return not _equal(stored, self.value)
        if (_number(stored) and _number(self.value)) or (
                isinstance(stored, str) and isinstance(self.value, str)):
            return {">": stored > self.value, ">=": stored >= self.value,
                    "<": stored < self.value, "<=": stored <= self.value}[self.op]
        return False


def parse(text: str) -> VariableFilter:
    """`name op value` read, or `QueryInvalid` saying which part is wrong."""
    def refuse(problem: str) -> QueryInvalid:
        return QueryInvalid(f"variable filter {text.strip()!r}: {problem}",
                            {"field": "variable", "value": text})

    if not text.strip():
        raise QueryInvalid(f"the variable filter is empty: write a name, a comparison and a "
                           f"value ({EXAMPLE})", {"field": "variable", "value": text})
    found = _SPLIT.match(text)
    if found is None:
        raise refuse(f"no comparison in it; write {EXAMPLE}")
    name, op, raw = found["name"], found["op"], found["value"]
    op = "=" if op == "==" else op
    if not name:
        raise refuse(f"no variable name before {op!r}")
    if not _NAME.match(name):
        raise refuse(f"{name!r} is not a variable name (letters, digits and _, starting with a "
                     "letter or _)")
    if not raw:
        raise refuse(f"no value after {op!r}")
    if raw[0] in "=!<>":
        raise refuse(f"{op!r} is followed by another comparison sign in {raw!r}")
    value = _typed(raw)
    if op in ORDERING and not (_number(value) or isinstance(value, str)):
        raise refuse(f"{op!r} compares numbers or text, not {raw}")
    return VariableFilter(name, op, value)


def _typed(raw: str) -> Any:
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    if isinstance(value, (dict, list)) or (isinstance(value, float) and not math.isfinite(value)):
        return raw
    return value


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _equal(stored: Any, value: Any) -> bool:
    """JSON equality: 5000 equals 5000.0, but true is not 1."""
    if isinstance(stored, bool) or isinstance(value, bool):
        return isinstance(stored, bool) and isinstance(value, bool) and stored == value
    return stored == value
