"""What the generated task form sends for each field type, and what it shows first."""

from __future__ import annotations

from designer.components.task_form import converted, initial_value
from runtime.people.tasks.forms import field_errors

FORM = [
    {"name": "count", "type": "integer"},
    {"name": "share", "type": "number"},
    {"name": "urgent", "type": "boolean"},
    {"name": "lines", "type": "array"},
    {"name": "address", "type": "object"},
    {"name": "when", "type": "datetime"},
    {"name": "colour", "type": "string", "options": ["red", "blue"]},
    {"name": "iban", "type": "string"},
]
FIELD = {f["name"]: f for f in FORM}


def test_whole_numbers_typed_into_an_integer_field_are_sent_as_integers() -> None:
    assert converted(FIELD["count"], 3.0) == (3, None)
    value, problem = converted(FIELD["count"], 2.5)
    assert problem is None
    assert field_errors(FORM, {"count": value}) == {"count": "must be a whole number, got 2.5"}


def test_empty_inputs_are_left_out_rather_than_sent_blank() -> None:
    for name in ("count", "share", "lines", "when", "colour"):
        assert converted(FIELD[name], None) == (None, None)
    assert converted(FIELD["iban"], "   ") == (None, None)
    assert converted(FIELD["urgent"], False) == (False, None)


def test_lists_and_objects_are_typed_as_json_and_bad_json_names_the_spot() -> None:
    assert converted(FIELD["lines"], '["a", 2]') == (["a", 2], None)
    assert converted(FIELD["address"], '{"city": "Graz"}') == ({"city": "Graz"}, None)
    value, problem = converted(FIELD["address"], '{"city": Graz}')
    assert value is None
    assert problem == "is not valid JSON (Expecting value at character 10)"
    wrong, _ = converted(FIELD["address"], "[1]")
    assert field_errors(FORM, {"address": wrong}) == {"address": "must be an object, got [1]"}


def test_text_is_trimmed_and_checked_by_the_service() -> None:
    assert converted(FIELD["when"], " 2026-01-31T09:30:00Z ") == ("2026-01-31T09:30:00Z", None)
    value, _ = converted(FIELD["colour"], "green")
    assert field_errors(FORM, {"colour": value}) == {
        "colour": "must be one of 'red', 'blue', got 'green'"}


def test_inputs_start_from_the_variables_but_never_from_sensitive_ones() -> None:
    variables = {"count": 4, "urgent": True, "lines": ["x"], "iban": "DE44 5001", "share": "x"}
    secret = frozenset({"iban"})
    assert initial_value(FIELD["count"], variables, secret) == 4
    assert initial_value(FIELD["urgent"], variables, secret) is True
    assert initial_value(FIELD["lines"], variables, secret) == '["x"]'
    assert initial_value(FIELD["iban"], variables, secret) is None
    assert initial_value(FIELD["share"], variables, secret) is None  # not a number: left empty
    assert initial_value(FIELD["address"], variables, secret) == ""
    assert initial_value(FIELD["urgent"], {}, secret) is False
