"""Errors are classified by what an operator does about them: from the exception's class name
first, then from the message (incident reasons have no class name)."""

from __future__ import annotations

import pytest

from runtime.core.error_classes import CLASSES, REMEDIES, classify


@pytest.mark.parametrize(("error_type", "message", "expected"), [
    ("Timeout", "action 'credit_score' timed out after 30 s", "timeout"),
    ("ReadTimeout", "", "timeout"),
    ("GatewayTimeoutError", "", "timeout"),
    ("ConnectionError", "action 'x' raised ConnectionError: bureau unreachable", "transient"),
    ("httpx.ConnectError", "", "transient"),
    ("RuntimeError", "action 'x' raised RuntimeError: HTTP 503 from the bureau", "transient"),
    ("RuntimeError", "scoring service down", "transient"),
    ("ValueError", "amount must be positive", "bad_input"),
    ("RuntimeError", "HTTP 422: the IBAN is malformed", "bad_input"),
    ("PermissionError", "", "permanent"),
    ("RuntimeError", "the bureau rejected the applicant (403)", "permanent"),
    ("KeyError", "'score'", "bug"),
    ("MissingHandler", "no handler is registered for action 'x'", "bug"),
    ("BadResult", "action 'x' returned list; it must return a dict", "bug"),
    (None, "state 'review': the guard `amount > 10` failed: no such key", "bad_input"),
    (None, "state 'route': no transition's guard holds and there is no default", "bad_input"),
    (None, "state 'route': `amount > limit` mixes incompatible types (No such overload); check "
           "the variable types or convert with int(), double() or string()", "bad_input"),
    (None, "state 'route': `amount > limit` uses 'limit', which has no value in this instance "
           "(not set and not in the event)", "bad_input"),
    (None, "state 'gone' is not in the definition", "bug"),
    (None, "more than 1000 automatic steps in a row", "bug"),
    (None, "circuit breaker 'credit-bureau' is open", "breaker_open"),
    ("SomethingOdd", "the order was already shipped", "permanent"),
    (None, None, "permanent"),
])
def test_errors_fall_into_the_class_an_operator_acts_on(error_type, message, expected):
    assert classify(error_type, message) == expected


def test_every_class_has_a_remedy():
    assert set(REMEDIES) == set(CLASSES)
