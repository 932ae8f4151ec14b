"""One duration unit per chart, a linear cycle-time histogram, and CSV downloads with rounded
numbers and the unit in their column headers."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import pytest

from runtime.analytics.board import Board
from runtime.analytics.figures import charts
from runtime.analytics.histogram_bins import linear_bins, round_width
from runtime.analytics.units import DAYS, HOURS, MINUTES, SECONDS, csv_number, unit_for

HOUR, DAY = 3600, 86400
DAY0 = datetime(2026, 3, 2)


@pytest.mark.parametrize(("values", "unit"), [
    ([], SECONDS), ([None], SECONDS), ([42], SECONDS), ([5 * 60], MINUTES),
    ([3 * HOUR, None], HOURS), ([43.4 * HOUR, 19.6 * DAY], DAYS), ([2 * DAY], HOURS),
])
def test_the_unit_suits_the_largest_value(values: list[float | None], unit: Any) -> None:
    assert unit_for(values) == unit


def test_values_beside_each_other_share_the_unit_of_the_largest() -> None:
    p50, p90 = 43.4 * HOUR, 19.6 * DAY
    unit = unit_for([p50, p90])
    assert (unit.show(p50), unit.show(p90)) == ("1.8d", "19.6d")
    assert HOURS.show(30 * 60) == "0.50h" and SECONDS.show(42.4) == "42s"
    assert HOURS.show(None) == "-" and HOURS.show(0) == "0h"


@pytest.mark.parametrize(("value", "cell"), [
    (1.23456, 1.23), (12.0, 12.0), (0.0, 0.0), (0.004567, 0.0046), (-3.14159, -3.14)])
def test_csv_numbers_keep_two_decimals_or_two_significant_digits(value: float,
                                                                 cell: float) -> None:
    assert csv_number(value) == cell


@pytest.mark.parametrize(("span", "width"), [(40, 2.0), (9, 0.5), (100, 5.0), (0.3, 0.02),
                                             (25, 2.0), (48, 2.5)])
def test_bin_widths_are_round(span: float, width: float) -> None:
    assert round_width(span) == pytest.approx(width)


def _bucket(seconds: float, count: int) -> dict[str, Any]:
    return {"bucket": 0, "seconds": seconds, "count": count}


def test_the_histogram_counts_every_instance_into_equal_bins() -> None:
    rows = [_bucket(h * HOUR, n) for h, n in ((0.5, 3), (1.5, 2), (9.9, 1), (10.2, 4))]
    bins = linear_bins(rows, HOURS)
    widths = {round(b.end - b.start, 6) for b in bins if b.end is not None}
    assert widths == {1.0} and len(bins) == 11
    assert sum(b.count for b in bins) == 10
    assert bins[0].start == 0 and bins[-1].end is not None and bins[-1].end > 10.2
    assert next(b for b in bins if b.start <= 1.5 < b.end).count == 2  # type: ignore[operator]


def test_a_far_outlier_goes_into_one_longer_bin() -> None:
    rows = [_bucket(h * HOUR, 1) for h in range(1, 201)] + [_bucket(900 * HOUR, 1)]
    bins = linear_bins(rows, HOURS)
    assert bins[-1].end is None and bins[-1].count >= 1
    assert sum(b.count for b in bins) == 201
    assert bins[-2].end == bins[-1].start and bins[-1].start < 900


def _board(**changes: Any) -> Board:
    cycle = {"count": 6, "p50": 43.4 * HOUR, "p90": 19.6 * DAY, "p99": 20 * DAY}
    board = Board(
        key="loan", version=None, since=None, until=None, by="day", clock="wall",
        throughput=[], cycle=cycle,
        cycle_trend=[{"day": DAY0, "count": 6, "p50": 43.4 * HOUR, "p90": 19.6 * DAY,
                      "p99": 20.123 * DAY}],
        cycle_distribution=[_bucket(40 * HOUR, 4), _bucket(19.6 * DAY, 2)],
        sla_trend=[], open_tasks=[],
        task_times=[{"role": "reviewer", "created": 3, "claimed": 2, "completed": 2,
                     "claim_p50": 600.0, "claim_p90": 1234.5678, "done_p50": 2 * HOUR,
                     "done_p90": 5.5 * HOUR, "late": 0}],
        time_in_state=[{"state": "review", "count": 4, "mean_s": 3 * HOUR, "p50": 1.5 * HOUR,
                        "p90": 50 * HOUR}],
        variants=[{"hash": "h", "path": ["a", "b"], "count": 4, "p50": 2 * DAY,
                   "p90": 3.333 * DAY}])
    for name, value in changes.items():
        setattr(board, name, value)
    return board


def _csv(board: Board, name: str) -> list[dict[str, str]]:
    chart = next(c for c in charts(board) if c.name == name)
    return list(csv.DictReader(io.StringIO(chart.csv().decode())))


def test_csv_headers_name_the_unit_and_values_are_rounded() -> None:
    board = _board()
    assert _csv(board, "cycle-trend") == [{"day": "2026-03-02T00:00:00", "finished": "6",
                                          "p50_days": "1.81", "p90_days": "19.6",
                                          "p99_days": "20.12"}]
    assert _csv(board, "task-times")[0] == {
        "role": "reviewer", "created": "3", "claimed": "2", "completed": "2",
        "claim_p50_hours": "0.17", "claim_p90_hours": "0.34", "complete_p50_hours": "2.0",
        "complete_p90_hours": "5.5"}
    assert _csv(board, "bottlenecks") == [{"state": "review", "visits": "4",
                                          "mean_hours": "3.0", "p50_hours": "1.5",
                                          "p90_hours": "50.0"}]
    assert _csv(board, "variants")[0]["p90_cycle_days"] == "3.33"
    histogram = _csv(board, "cycle-distribution")
    assert list(histogram[0]) == ["cycle_time_from_days", "cycle_time_to_days", "instances"]
    assert sum(int(r["instances"]) for r in histogram) == 6


def test_duration_charts_use_one_unit_on_a_linear_axis_with_unit_ticks() -> None:
    shown = {c.name: c for c in charts(_board())}
    distribution = shown["cycle-distribution"].figure["layout"]
    assert distribution["xaxis"].get("type") != "log"
    assert distribution["xaxis"]["ticksuffix"] == " d"
    assert "p50 1.8d, p90 19.6d, p99 20.0d" in shown["cycle-distribution"].title
    assert shown["cycle-trend"].figure["layout"]["yaxis"]["ticksuffix"] == " d"
    assert shown["task-times"].figure["layout"]["yaxis"]["ticksuffix"] == " h"
    assert shown["bottlenecks"].figure["layout"]["xaxis"]["ticksuffix"] == " h"


def test_long_path_labels_wrap_and_the_hover_has_the_whole_path() -> None:
    path = [f"state-number-{i}" for i in range(9)]
    board = _board(variants=[{"hash": "h", "path": path, "count": 2, "p50": 60.0,
                              "p90": 90.0}])
    trace = next(c for c in charts(board) if c.name == "variants").figure["data"][0]
    label = trace["y"][0]
    assert "<br>" in label and "…" in label
    assert all(len(line) <= 40 for line in label.split("<br>"))
    assert all(state in trace["customdata"][0][0] for state in path)
