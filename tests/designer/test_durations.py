"""Durations typed in human units map to the seconds stored in the definition."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from designer.durations import duration_error, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("2h 30m", 9000),
        ("3d", 259200),
        ("90", 90),
        ("1.5h", 5400),
        ("45s", 45),
        ("1d2h", 93600),
        ("10 min", 600),
        ("  ", None),
    ],
)
def test_human_units_are_read_as_seconds(text: str, seconds: float | None) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["2 weeks", "h", "3x", "-5", "2h banana"])
def test_unreadable_durations_say_what_is_wrong(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)
    assert repr(text) in (duration_error(text) or "")


def test_readable_durations_have_no_error() -> None:
    assert duration_error("2h 30m") is None
    assert duration_error(None) is None


@given(st.integers(min_value=0, max_value=10**8))
def test_formatted_durations_read_back_as_the_same_seconds(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


def test_formatting_uses_the_largest_units() -> None:
    assert format_duration(9000) == "2h 30m"
    assert format_duration(86400) == "1d"
    assert format_duration(0.5) == "0.5s"


def test_whole_seconds_are_stored_as_integers() -> None:
    assert isinstance(parse_duration("1.5h"), int)
    assert parse_duration("0.5") == 0.5
