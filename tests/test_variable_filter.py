"""The Instances page's variable filter: comparisons read, and bad ones refused by name."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runtime.operations.variable_filter import (
    OPERATORS,
    QueryInvalid,
    VariableFilter,
    parse,
)

NAMES = st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_]{0,20}\Z")
SPACES = st.sampled_from(["", " ", "  "])
WORDS = st.from_regex(r"\A[A-Za-z][A-Za-z0-9 _-]{0,15}[A-Za-z0-9]\Z").filter(
    lambda w: w not in ("true", "false", "null", "Infinity", "NaN"))


@pytest.mark.parametrize(("text", "expected"), [
    ("amount > 10000", VariableFilter("amount", ">", 10000)),
    ("amount>=5", VariableFilter("amount", ">=", 5)),
    ("status != open", VariableFilter("status", "!=", "open")),
    ("name = x", VariableFilter("name", "=", "x")),
    ("name == x y", VariableFilter("name", "=", "x y")),
    ("vip=true", VariableFilter("vip", "=", True)),
    ('code = "5000"', VariableFilter("code", "=", "5000")),
    ("due <= 2026-01-31", VariableFilter("due", "<=", "2026-01-31")),
    ("rate < 0.5", VariableFilter("rate", "<", 0.5)),
    ("note = {not json", VariableFilter("note", "=", "{not json")),
    ("x = NaN", VariableFilter("x", "=", "NaN")),
])
def test_comparisons_are_read(text: str, expected: VariableFilter) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("", "the variable filter is empty"),
    ("amount", "'amount': no comparison in it; write amount > 10000"),
    ("> 5", "no variable name before '>'"),
    ("my amount > 5", "'my amount' is not a variable name"),
    ("amount >", "no value after '>'"),
    ("amount >> 5", "'>' is followed by another comparison sign in '> 5'"),
    ("amount => 5", "'=' is followed by another comparison sign in '> 5'"),
    ("vip > true", "'>' compares numbers or text, not true"),
    ("x < null", "'<' compares numbers or text, not null"),
])
def test_bad_filters_name_the_bad_part(text: str, message: str) -> None:
    with pytest.raises(QueryInvalid, match=message.replace("(", r"\(")) as refused:
        parse(text)
    assert refused.value.details["field"] == "variable"


@given(NAMES, st.sampled_from(OPERATORS), SPACES, SPACES,
       st.one_of(st.integers(-10**12, 10**12),
                 st.floats(allow_nan=False, allow_infinity=False, width=32), WORDS))
def test_what_is_written_is_what_is_read(name, op, before, after, value) -> None:
    written = repr(value) if isinstance(value, float) else str(value)
    parsed = parse(f"{name}{before}{op}{after}{written}")
    assert (parsed.name, parsed.op) == (name, op)
    assert parsed.value == value


@given(st.text(max_size=40))
def test_any_text_is_read_or_refused_with_a_message(text: str) -> None:
    try:
        parsed = parse(text)
    except QueryInvalid as refused:
        assert refused.message.startswith(("variable filter ", "the variable filter is empty"))
    else:
        assert parsed.op in OPERATORS and parsed.name


@pytest.mark.parametrize(("wanted", "variables", "matches"), [
    ("amount > 10", {"amount": 11}, True),
    ("amount > 10", {"amount": "11"}, False),
    ("amount = 5", {"amount": 5.0}, True),
    ("vip = 1", {"vip": True}, False),
    ("status != open", {"status": None}, True),
    ("status != open", {}, False),
    ("name >= b", {"name": "beta"}, True),
])
def test_matching_in_python_follows_the_sql(wanted: str, variables: dict,
                                            matches: bool) -> None:
    assert parse(wanted).matches(variables) is matches
