"""Dashboard aggregates: equal to a rebuild from the log, and to numbers computed from it here."""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from exact_percentiles import close, nearest_rank
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from runtime import Engine, ManualClock
from runtime.analytics import queries
from runtime.analytics import tables as a
from runtime.analytics.sketch import RELATIVE_ERROR, bucket_of, percentile, value_of
from runtime.analytics.updater import rebuild
from runtime.core.errors import EventRefused
from runtime.operations import perform
from runtime.store import schema as t

KEY = "loan-approval"
PROCESS_SLA_S = 30_000


def _workload(engine: Engine, clock: ManualClock, loan: dict[str, Any], seed: int) -> None:
    """Instances that wander through review, docs, pauses and cancels at random times."""
    rng = random.Random(seed)
    loan["sla_s"] = PROCESS_SLA_S

    @engine.action("credit_score")
    def credit_score(ctx: Any) -> dict[str, Any]:
        return {"score": 700}

    engine.publish(loan)
    live: list[str] = []
    for _ in range(160):
        clock.advance(rng.choice([0, 5, 60, 900, 3600, 20_000, 90_000]))
        engine.run_until_idle()
        if not live or rng.random() < 0.25:
            amount = rng.choice([500, 50_000])
            live.append(engine.start(KEY, {"amount": amount, "applicant": "x"}))
            engine.run_until_idle()
            continue
        instance = rng.choice(live)
        if engine.get(instance).status != "running":
            live.remove(instance)
            continue
        if rng.random() < 0.05:
            perform(engine, instance, "cancel", "test")
            continue
        accepted = engine.accepted_events(instance)
        if accepted:
            engine.send(instance, rng.choice(accepted))


def _tables(engine: Engine) -> dict[str, list[str]]:
    with engine.store.read() as conn:
        return {table.name: sorted(json.dumps(list(row), default=str)
                                   for row in conn.execute(select(table)))
                for table in a.ALL}


@pytest.mark.parametrize("seed", [1, 2])
def test_rebuild_equals_the_incremental_aggregates(
        engine: Engine, clock: ManualClock, loan_approval: dict[str, Any], seed: int) -> None:
    _workload(engine, clock, loan_approval, seed)
    incremental = _tables(engine)
    assert incremental["analytics_counts"]
    events = rebuild(engine.store)
    with engine.store.read() as conn:
        assert events == len(list(conn.execute(select(t.events.c.seq))))
    assert _tables(engine) == incremental


def _from_the_log(engine: Engine) -> dict[str, Any]:
    """The dashboard numbers, computed straight from the events table."""
    with engine.store.read() as conn:
        rows = list(conn.execute(select(t.events).order_by(t.events.c.instance_id,
                                                           t.events.c.seq)))
    out: dict[str, Any] = {"outcomes": Counter(), "transitions": Counter(), "entered": Counter(),
                           "exited": Counter(), "state_times": defaultdict(list), "cycles": [],
                           "variants": Counter(), "breaches": Counter()}
    by_instance: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_instance[row.instance_id].append(row)
    for log in by_instance.values():
        started = log[0].at
        out["outcomes"]["started"] += 1
        state, entered, path = None, started, []

        def leave(state: str, entered: datetime, at: datetime) -> None:
            out["exited"][state] += 1
            spent = (at - entered).total_seconds()
            out["state_times"][state].append(spent)
            if state == "review" and spent > 86400:
                out["breaches"]["review"] += 1

        for row in log:
            if row.type == "transition":
                if state is not None:
                    leave(state, entered, row.at)
                out["transitions"][(state, row.data["to"], row.data.get("event"))] += 1
                state, entered = row.data["to"], row.at
                out["entered"][state] += 1
                path.append(state)
            outcome = row.data.get("status") if row.type == "transition" else (
                "cancelled" if row.type == "cancelled" else None)
            if outcome in ("completed", "failed", "cancelled"):
                if row.type == "cancelled":
                    leave(state, entered, row.at)
                out["outcomes"][outcome] += 1
                cycle = (row.at - started).total_seconds()
                out["cycles"].append(cycle)
                out["variants"][tuple(path)] += 1
                if cycle > PROCESS_SLA_S:
                    out["breaches"][None] += 1
    return out


def test_dashboard_numbers_equal_the_log(
        engine: Engine, clock: ManualClock, loan_approval: dict[str, Any]) -> None:
    _workload(engine, clock, loan_approval, seed=3)
    truth = _from_the_log(engine)
    with engine.store.read() as conn:
        board = queries.dashboard(conn, KEY)
        hourly = queries.throughput(conn, KEY, by="hour")
    totals = Counter()
    for day in board["throughput_per_day"]:
        totals.update({k: day[k] for k in queries.OUTCOMES})
    assert totals == truth["outcomes"]
    assert sum(h["started"] for h in hourly) == truth["outcomes"]["started"]
    assert {(r["from"], r["to"], r["event"]): r["count"] for r in board["transitions"]} == \
        truth["transitions"]
    assert {r["state"]: (r["entered"], r["exited"]) for r in board["states"]} == {
        s: (truth["entered"][s], truth["exited"][s]) for s in truth["entered"]}
    for row in board["time_in_state"]:
        spent = truth["state_times"][row["state"]]
        assert row["count"] == len(spent)
        assert row["mean_s"] == pytest.approx(sum(spent) / len(spent))
        assert close(row["p50"], nearest_rank(spent, 0.5))
        assert close(row["p90"], nearest_rank(spent, 0.9))
    cycles = truth["cycles"]
    assert board["cycle_time"]["count"] == len(cycles)
    for q in (0.5, 0.9, 0.99):
        assert close(board["cycle_time"][f"p{q * 100:g}"], nearest_rank(cycles, q))
    assert {tuple(v["path"]): v["count"] for v in board["top_variants"]} == dict(
        truth["variants"].most_common(10)) or len(truth["variants"]) > 10
    assert board["sla_breaches"] == dict(truth["breaches"])
    assert truth["breaches"] and truth["outcomes"]["cancelled"]  # the workload reaches them


def test_filters_by_hour_range_and_version(
        engine: Engine, clock: ManualClock, loan_approval: dict[str, Any]) -> None:
    loan_approval["states"][3]["sla_s"] = 60
    engine.action("credit_score")(lambda ctx: {"score": 1})
    engine.publish(loan_approval)
    first = engine.start(KEY, {"amount": 50_000})
    engine.run_until_idle()
    clock.advance(2 * 3600)
    loan_approval["name"] = "Loan approval 2"
    engine.publish(loan_approval)
    second = engine.start(KEY, {"amount": 50_000})
    engine.run_until_idle()
    engine.send(first, "approve")
    engine.send(second, "reject")
    start = datetime(2026, 1, 1)
    with engine.store.read() as conn:
        hours = queries.throughput(conn, KEY)
        assert [(h["hour"].hour, h["started"], h["completed"], h["failed"]) for h in hours] == [
            (0, 1, 0, 0), (2, 1, 1, 1)]
        assert queries.throughput(conn, KEY, by="day") == [
            {"day": start, "started": 2, "completed": 1, "failed": 1, "cancelled": 0}]
        late = queries.throughput(conn, KEY, since=start.replace(hour=1, minute=30))
        assert [h["hour"].hour for h in late] == [2]
        early = queries.throughput(conn, KEY, until=start.replace(hour=1))
        assert [h["hour"].hour for h in early] == [0]
        aware = datetime(2026, 1, 1, 3, tzinfo=timezone(timedelta(hours=2)))  # 01:00 UTC
        assert [h["hour"].hour for h in queries.throughput(conn, KEY, since=aware)] == [2]
        assert queries.cycle_time(conn, KEY, 2)["count"] == 1
        assert queries.sla_breaches(conn, KEY, 1) == {"review": 1}
        assert queries.sla_breaches(conn, KEY, 2) == {}
        assert queries.transitions(conn, KEY, 2)[0]["count"] == 1
        assert queries.time_in_state(conn, "no-such-key") == []
        with pytest.raises(ValueError, match="hour or day"):
            queries.throughput(conn, KEY, by="week")


@given(st.integers(min_value=1, max_value=10**15), st.integers(min_value=1, max_value=10**15))
def test_a_bucket_stands_for_its_values_within_the_stated_error(x_us: int, y_us: int) -> None:
    for micros in (x_us, y_us):
        exact = micros / 1e6
        assert abs(value_of(bucket_of(micros)) - exact) <= RELATIVE_ERROR * exact * (1 + 1e-9)
    low, high = sorted((x_us, y_us))
    assert bucket_of(low) <= bucket_of(high)  # buckets keep the order percentiles rely on


def test_percentiles_of_a_histogram() -> None:
    assert percentile([], 0.5) is None
    assert value_of(bucket_of(0)) == 0.0
    counts = [(bucket_of(0), 2), (bucket_of(10_000_000), 1)]
    assert percentile(counts, 0.5) == 0.0
    assert close(percentile(counts, 0.9), 10.0)


def test_concurrent_senders_share_batches_and_still_match_a_rebuild(
        engine: Engine, loan_approval: dict[str, Any]) -> None:
    """Group commits put many instances (and one instance many times) into one batch."""
    engine.publish(loan_approval)
    ids = [engine.start(KEY, {"amount": 50_000}) for _ in range(6)]
    for iid in ids:  # straight to review: no action runner needed
        perform(engine, iid, "move", "test", to="review")

    def drive(iid: str) -> None:
        for event in ("request_docs", "docs_received", "pause"):
            with suppress(EventRefused):  # the other thread of this instance was first
                engine.send(iid, event)

    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(drive, ids + ids))  # two threads per instance: some sends are refused
    incremental = _tables(engine)
    rebuild(engine.store)
    assert _tables(engine) == incremental
    with engine.store.read() as conn:
        moved = {r["to"]: r["count"] for r in queries.transitions(conn, KEY)
                 if r["from"] == "score"}
    assert moved == {"review": 6}
