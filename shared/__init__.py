"""What the designer and the runtime share: the definition model, loading, validation and guards.

`validate` is imported on first use: it brings networkx, which a worker never needs.
"""

from typing import Any

from shared.definition import SCHEMA_ID, Definition, State, Transition, json_schema
from shared.errors import DocumentError, GuardError, SchemaError, StatewrightError
from shared.findings import Finding, Report
from shared.guards import compile_expression, evaluate, evaluate_guard, referenced_names
from shared.loading import load_document, parse_definition

__all__ = [
    "SCHEMA_ID",
    "Definition",
    "DocumentError",
    "Finding",
    "GuardError",
    "Report",
    "SchemaError",
    "State",
    "StatewrightError",
    "Transition",
    "compile_expression",
    "evaluate",
    "evaluate_guard",
    "json_schema",
    "load_document",
    "parse_definition",
    "referenced_names",
    "validate",
]


def __getattr__(name: str) -> Any:
    if name == "validate":
        from shared.validation import validate

        return validate
    raise AttributeError(f"module 'shared' has no attribute {name!r}")
