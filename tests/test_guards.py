"""Guards and assignments are CEL, compiled once and evaluated with clear errors."""

import pytest

from shared.errors import GuardError
from shared.guards import compile_expression, evaluate, evaluate_guard, referenced_names


def test_a_guard_is_compiled_once():
    assert compile_expression("amount < 10000.0") is compile_expression("amount < 10000.0")


def test_a_syntax_error_says_where():
    with pytest.raises(GuardError, match="column 9: Syntax error"):
        compile_expression("amount <")
    with pytest.raises(GuardError, match="empty"):
        compile_expression("  ")


def test_referenced_names_are_the_top_level_variables():
    assert referenced_names("amount < limit && event.urgent") == {"amount", "limit", "event"}
    assert referenced_names("items.all(item, item.price < budget)") == {"items", "budget"}
    assert referenced_names('timestamp("2024-01-01T00:00:00Z") < now') == {"now"}


def test_the_result_is_a_copy():
    referenced_names("amount > 1.0").add("intruder")
    assert referenced_names("amount > 1.0") == {"amount"}


def test_a_guard_sees_variables_and_the_event_payload():
    variables = {"amount": 5000, "risk": "low"}
    assert evaluate_guard('amount <= 10000.0 && risk == "low"', variables) is True
    assert evaluate_guard("event.score > 700", variables, {"score": 712}) is True
    assert evaluate("amount * 2", variables) == 10000
    assert evaluate("size(event)", variables) == 0


@pytest.mark.parametrize(
    ("src", "variables", "event", "message"),
    [
        ("amount < 10", {}, None, "'amount', which has no value"),
        ("amount < 10", {"amount": "ten"}, None, "incompatible types"),
        ("event.score > 1", {}, {}, "'score', which is not there"),
        ("amount / 0", {"amount": 1}, None, "divides by zero"),
        ("size(amount) > 1", {"amount": 5}, None, r"calls size\(\), which does not exist or"),
    ],
)
def test_evaluation_failures_are_guard_errors(src, variables, event, message):
    with pytest.raises(GuardError, match=message):
        evaluate(src, variables, event)


def test_a_guard_must_give_a_boolean():
    with pytest.raises(GuardError, match="gave 3, not true or false"):
        evaluate_guard("amount", {"amount": 3})


def test_python_code_is_never_run():
    with pytest.raises(GuardError):
        evaluate("__import__('os').system('true')", {})
