"""A variable's value as a person reads it in a table cell or a sentence: numbers with
thousands separators (12,000), text as it is, anything else as compact JSON."""

from __future__ import annotations

import json
from typing import Any


def shown(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{int(value):,}" if value.is_integer() else f"{value:,}"
    return json.dumps(value, ensure_ascii=False, default=str)

