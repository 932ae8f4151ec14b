"""What the dashboards show equals what the event log says: human-task times by role, cycle
times per day over ranges that start and end mid-day, and the rows behind every chart."""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

import pytest
from exact_percentiles import close, nearest_rank
from sqlalchemy import select

from runtime import Engine, ManualClock
from runtime.analytics import board as boards
from runtime.analytics import queries, workload
from runtime.analytics import tables as a
from runtime.analytics.figures import charts
from runtime.analytics.updater import rebuild
from runtime.core.errors import EngineError
from runtime.people.tasks.model import Caller
from runtime.store import schema as t

KEY = "loan-approval"
SLA_S = 86400
ADMIN = Caller("root", frozenset({"admin"}))
INTERNAL = {"done", "error", "timeout", "elapsed"}


def _people_work(engine: Engine, clock: ManualClock, loan: dict[str, Any], seed: int) -> None:
    """Applications reach an underwriter's review; people claim, give back, delegate to
    auditors and complete them over four days; late tasks escalate to seniors."""
    rng = random.Random(seed)
    loan["states"][3]["escalate_to"] = "senior"
    engine.action("credit_score")(lambda ctx: {"score": 1})
    engine.publish(loan)
    for _ in range(120):
        clock.advance(rng.choice([60, 600, 1800, 3600, 7200, 20_000]))
        engine.tasks.sweep()
        engine.run_until_idle()
        if rng.random() < 0.3:
            engine.start(KEY, {"amount": 50_000})
            engine.run_until_idle()
            continue
        open_tasks = engine.tasks.list(ADMIN, state="open").items + engine.tasks.list(
            ADMIN, state="claimed").items
        waiting = engine.list_instances(KEY, state="wait_docs").items
        if waiting and rng.random() < 0.2:
            engine.send(rng.choice(waiting).id, "docs_received")
            continue
        if not open_tasks:
            continue
        task = rng.choice(open_tasks)
        person = Caller(f"{task.role}-1", frozenset({task.role}))
        try:
            if task.assignee is None and rng.random() < 0.15:
                engine.tasks.delegate(task.id, person, to_role="auditor")
            elif task.assignee is None:
                engine.tasks.claim(task.id, person)
            elif rng.random() < 0.15:
                engine.tasks.unclaim(task.id, Caller(task.assignee, frozenset({task.role})))
            else:
                engine.tasks.complete(task.id, Caller(task.assignee, frozenset({task.role})),
                                      rng.choice(["approve", "reject", "request_docs"]))
        except EngineError:
            pass  # a task that moved on meanwhile, as in a real inbox


def _tasks_from_the_log(engine: Engine) -> dict[str, Any]:
    """Per role: tasks created, first claims and completions with their times, read from the
    events; late visits by the role the task was created for."""
    with engine.store.read() as conn:
        rows = list(conn.execute(select(t.events).order_by(t.events.c.instance_id,
                                                           t.events.c.seq)))
    out: dict[str, Any] = {"created": Counter(), "claims": defaultdict(list),
                           "done": defaultdict(list), "late": Counter()}
    tasks: dict[str, dict[str, Any]] = {}
    entered: dict[str, tuple[int, datetime]] = {}
    for row in rows:
        iid, data = row.instance_id, row.data
        if row.type == "task_created":
            tasks[data["task_id"]] = {"role": data["role"], "first": data["role"],
                                      "created": row.at, "claimed": False}
            out["created"][data["role"]] += 1
        elif row.type in ("task_claimed", "task_delegated", "task_escalated"):
            task = tasks[data["task_id"]]
            if row.type == "task_claimed" and not task["claimed"]:
                out["claims"][task["role"]].append((row.at - task["created"]).total_seconds())
            task["claimed"] = task["claimed"] or row.type == "task_claimed"
            task["role"] = data.get("to_role") or task["role"]
        elif row.type == "transition":
            seq, since = entered.get(iid, (None, None))
            task = tasks.pop(f"{iid}:{seq}", None)
            if task is not None:
                spent = (row.at - task["created"]).total_seconds()
                if data.get("event") and data["event"] not in INTERNAL:
                    out["done"][task["role"]].append(spent)
                if (row.at - since).total_seconds() > SLA_S:
                    out["late"][task["first"]] += 1
            entered[iid] = (row.seq, row.at)
    return out


def _tables(engine: Engine) -> dict[str, list[str]]:
    with engine.store.read() as conn:
        return {table.name: sorted(json.dumps(list(row), default=str)
                                   for row in conn.execute(select(table))) for table in a.ALL}


def test_task_times_by_role_equal_the_log(
        engine: Engine, clock: ManualClock, loan_approval: dict[str, Any]) -> None:
    _people_work(engine, clock, loan_approval, seed=5)
    truth = _tasks_from_the_log(engine)
    with engine.store.read() as conn:
        shown = {r["role"]: r for r in workload.task_times(conn, KEY)}
    roles = set(truth["created"]) | set(truth["claims"]) | set(truth["done"])
    assert {"underwriter", "auditor", "senior"} <= roles  # delegated and escalated work too
    assert set(shown) == roles
    for role in roles:
        row = shown[role]
        claims, done = truth["claims"][role], truth["done"][role]
        assert (row["created"], row["claimed"], row["completed"], row["late"]) == (
            truth["created"][role], len(claims), len(done), truth["late"][role]), role
        for values, prefix in ((claims, "claim"), (done, "done")):
            if values:
                assert close(row[f"{prefix}_p50"], nearest_rank(values, 0.5)), (role, prefix)
                assert close(row[f"{prefix}_p90"], nearest_rank(values, 0.9)), (role, prefix)
    incremental = _tables(engine)
    assert incremental["analytics_tasks"]  # some tasks are still open
    rebuild(engine.store)
    assert _tables(engine) == incremental


def test_cycle_times_per_day_over_ragged_ranges_equal_the_log(
        engine: Engine, clock: ManualClock, loan_approval: dict[str, Any]) -> None:
    """Whole days come from the daily sketches, the partial first and last day from the
    hourly ones; together they must equal the log's hours in the range."""
    _people_work(engine, clock, loan_approval, seed=7)
    with engine.store.read() as conn:
        finished = [(r.at, r.instance_id) for r in conn.execute(select(t.events).where(
            t.events.c.type == "transition")) if r.data.get("status") in ("completed", "failed")]
        starts = {r.instance_id: r.at for r in conn.execute(select(t.events).where(
            t.events.c.type == "instance_started"))}
    day0 = datetime(2026, 1, 1)
    for since, until in ((day0 + timedelta(hours=5, minutes=30), day0 + timedelta(days=3, hours=7)),
                         (day0 + timedelta(days=1), day0 + timedelta(days=3)),
                         (None, day0 + timedelta(days=2, hours=1)),
                         (day0 + timedelta(hours=20), None)):
        low = since.replace(minute=0) if since else datetime.min
        high = until or datetime.max
        cycles = [(at, (at - starts[iid]).total_seconds()) for at, iid in finished
                  if low <= at < high]
        with engine.store.read() as conn:
            board = boards.load(conn, KEY, None, since=since, until=until, now=clock.now())
            daily = queries.cycle_trend(conn, KEY, by="day", since=since, until=until)
        assert board.cycle["count"] == len(cycles), (since, until)
        for q in (0.5, 0.9, 0.99):
            assert close(board.cycle[f"p{q * 100:g}"], nearest_rank([c for _, c in cycles], q))
        per_day: dict[datetime, list[float]] = defaultdict(list)
        for at, seconds in cycles:
            per_day[at.replace(hour=0, minute=0, second=0, microsecond=0)].append(seconds)
        trend = {r["day"]: r for r in daily}
        assert {d: r["count"] for d, r in trend.items()} == {d: len(v) for d, v in per_day.items()}
        for day, values in per_day.items():
            assert close(trend[day]["p90"], nearest_rank(values, 0.9))
        shown = {c.name: c for c in charts(board)}
        assert sum(r["instances"] for r in shown["cycle-distribution"].rows) == len(cycles)
        timed = [r["bucket"] for r in board.cycle_distribution if r["seconds"]]
        assert timed == list(range(timed[0], timed[-1] + 1))  # gaps drawn as zeros
        assert sum(r["finished"] for r in shown["cycle-trend"].rows) == len(cycles)


def test_every_chart_has_a_title_axes_hover_and_csv(
        engine: Engine, clock: ManualClock, loan_approval: dict[str, Any]) -> None:
    _people_work(engine, clock, loan_approval, seed=9)
    with engine.store.read() as conn:
        started = len(conn.execute(select(t.events.c.seq).where(
            t.events.c.type == "instance_started")).all())
        for key in (KEY, None):
            board = boards.load(conn, key, None, since=None, until=None, now=clock.now())
            for chart in charts(board):
                layout = chart.figure["layout"]
                assert layout["title"]["text"] == chart.title
                for trace in chart.figure["data"]:
                    hover = trace.get("hovertemplate") or trace["link"]["hovertemplate"]
                    assert "<extra></extra>" in hover, chart.name
                if chart.name != "sankey":
                    assert layout["xaxis"]["title"]["text"] and layout["yaxis"]["title"]["text"]
                header = chart.csv().decode().splitlines()[0]
                assert header and "," in header, chart.name
            throughput = next(c for c in charts(board) if c.name == "throughput")
            assert sum(r["started"] for r in throughput.rows) == started


@pytest.mark.parametrize(("since", "until", "parts"), [
    (None, None, [("daily", None, None)]),
    ("2026-01-01 05:30", "2026-01-04 07:00",
     [("daily", "2026-01-02", "2026-01-04"), ("hourly", "2026-01-01 05:00", "2026-01-02"),
      ("hourly", "2026-01-04", "2026-01-04 07:00")]),
    ("2026-01-01 05:00", "2026-01-01 23:00", [("hourly", "2026-01-01 05:00",
                                               "2026-01-01 23:00")]),
    ("2026-01-01", "2026-01-03", [("daily", "2026-01-01", "2026-01-03")]),
])
def test_a_range_is_split_into_whole_days_and_ragged_hours(
        since: str | None, until: str | None, parts: list[tuple[str, str | None, str | None]]
) -> None:
    def at(text: str | None) -> datetime | None:
        return datetime.fromisoformat(text) if text else None

    names = {a.histograms_daily: "daily", a.histograms: "hourly"}
    assert [(names[table], start, end) for table, start, end in
            queries.sketch_spans(at(since), at(until))] == [
        (name, at(start), at(end)) for name, start, end in parts]
