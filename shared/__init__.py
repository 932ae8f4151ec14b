"""What the designer and the runtime share: the definition model, loading, validation and guards."""

from shared.definition import SCHEMA_ID, Definition, State, Transition, json_schema
from shared.errors import DocumentError, GuardError, SchemaError, StatewrightError
from shared.findings import Finding, Report
from shared.guards import compile_expression, evaluate, evaluate_guard, referenced_names
from shared.loading import load_document, parse_definition
from shared.validation import validate

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
