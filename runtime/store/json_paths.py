"""One top-level value of a JSON column in SQL, the same way on SQLite and PostgreSQL.

Names are quoted in the SQLite path, so a variable named with dots or spaces stays one key.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import ColumnElement, String, cast, func
from sqlalchemy.dialects.postgresql import JSONB


def json_text(dialect: str, column: Any, name: str) -> ColumnElement[str]:
    """The value of `name` as text (numbers and booleans as SQL writes them; NULL if absent)."""
    if dialect == "postgresql":
        return func.jsonb_extract_path_text(cast(column, JSONB), name)
    return cast(func.json_extract(column, "$." + json.dumps(name)), String)
