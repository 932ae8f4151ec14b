"""Everything one dashboard shows, read in one go from the aggregates (and the open inbox).

`load` is what the web page and the dashboard benchmark call: a handful of grouped reads of
the aggregate tables for one definition (or all of them, `key=None`, for the overview).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from runtime.analytics import queries, workload

HOURLY_UP_TO = timedelta(days=2)  # longer ranges are shown per day


@dataclass
class Board:
    """The numbers behind one dashboard, per chart; `by` is "hour" or "day"."""

    key: str | None
    version: int | None
    since: datetime | None
    until: datetime | None
    by: str
    clock: str
    throughput: list[dict[str, Any]]
    cycle: dict[str, Any]
    cycle_trend: list[dict[str, Any]]
    cycle_distribution: list[dict[str, Any]]
    sla_trend: list[dict[str, Any]]
    task_times: list[dict[str, Any]]
    open_tasks: list[dict[str, Any]]
    time_in_state: list[dict[str, Any]] = field(default_factory=list)
    transitions: list[dict[str, Any]] = field(default_factory=list)
    variants: list[dict[str, Any]] = field(default_factory=list)
    sla_by_state: dict[str | None, int] = field(default_factory=dict)
    processes: list[dict[str, Any]] = field(default_factory=list)


def granularity(since: datetime | None, until: datetime | None) -> str:
    """Hourly buckets for ranges of two days or less, daily ones beyond."""
    if since is None or until is None:
        return "day"
    return "hour" if until - since <= HOURLY_UP_TO else "day"


def load(conn: Connection, key: str | None, version: int | None, *, since: datetime | None,
         until: datetime | None, now: datetime, variants: int = 10,
         clock: str = "wall") -> Board:
    """One definition's dashboard (`key`), or the overview across definitions (`key=None`).
    `clock="business"` counts cycle and state times in working time (`queries.CLOCKS`)."""
    by = granularity(since, until)
    scope: dict[str, Any] = {"since": since, "until": until}
    timed: dict[str, Any] = {**scope, "clock": clock}
    board = Board(
        key=key, version=version, since=since, until=until, by=by, clock=clock,
        throughput=queries.throughput(conn, key, version, by=by, **scope),
        cycle=queries.cycle_time(conn, key, version, **timed),
        cycle_trend=queries.cycle_trend(conn, key, version, by=by, **timed),
        cycle_distribution=queries.cycle_distribution(conn, key, version, **timed),
        sla_trend=queries.sla_trend(conn, key, version, by=by, **scope),
        task_times=workload.task_times(conn, key, version, **scope),
        open_tasks=workload.open_tasks(conn, key, version, now),
    )
    if key is None:
        board.processes = queries.per_definition(conn, **scope)
        return board
    board.time_in_state = queries.time_in_state(conn, key, version, **timed)
    board.transitions = queries.transitions(conn, key, version, **scope)
    board.variants = queries.top_variants(conn, key, version, limit=variants, **scope)
    board.sla_by_state = queries.sla_breaches(conn, key, version, **scope)
    return board
