"""Capacity and regressions: the workers' measured load against the arrival rate, with a
forecast of when the backlog or an SLA breaks; and a version that made a process slower is
flagged by a Mann-Whitney U test on its duration sketches (both DBs)."""

from __future__ import annotations

import itertools
import math
import time
from datetime import timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from runtime import Engine, Runner
from runtime.analytics import capacity
from runtime.analytics.capacity_figures import capacity_charts, version_chart
from runtime.analytics.regressions import compare_versions, holm, mann_whitney
from runtime.execution.load_meter import LoadMeter
from runtime.store.worker_load import worker_load

samples = st.lists(st.integers(min_value=0, max_value=6), min_size=1, max_size=12)


def grouped(values: list[int]) -> list[tuple[float, int]]:
    return [(float(v), 1) for v in values]


@given(samples, samples)
def test_u_counts_the_pairs_where_the_new_version_is_slower(before, after):
    """U from mid-ranks over grouped values equals the pairwise count (ties half), and the
    test is symmetric: swapping the versions mirrors U and keeps p."""
    test = mann_whitney(grouped(before), grouped(after))
    pairs = sum((b > a) + 0.5 * (b == a) for a, b in itertools.product(before, after))
    if len(set(before + after)) == 1:
        assert test is None  # all equal: nothing to rank
        return
    assert test is not None and math.isclose(test.u, pairs)
    mirrored = mann_whitney(grouped(after), grouped(before))
    assert math.isclose(mirrored.u, len(before) * len(after) - pairs)
    assert math.isclose(mirrored.p, test.p) and 0 < test.p <= 1


def test_the_normal_approximation_matches_the_textbook_values():
    # Five against five, fully separated: U = 25, z = (12.5 - 0.5) / sqrt(25 * 11 / 12).
    test = mann_whitney(grouped([1, 2, 3, 4, 5]), grouped([6, 7, 8, 9, 10]))
    assert test.u == 25 and test.prob_slower == 1.0
    assert math.isclose(test.z, 12 / math.sqrt(25 * 11 / 12))
    assert math.isclose(test.p, 0.0121858, rel_tol=1e-5)
    # Counts are samples: a value seen three times is three tied samples.
    assert mann_whitney([(1.0, 3), (2.0, 1)], [(1.0, 1), (2.0, 1), (2.0, 2)]) == mann_whitney(
        grouped([1, 1, 1, 2]), grouped([1, 2, 2, 2]))
    assert holm([0.01, 0.04, 0.03]) == [0.03, 0.06, 0.06]


def test_a_version_that_slowed_the_review_is_flagged(engine, loan_approval):
    engine.action("credit_score")(lambda ctx: {"score": 700})
    engine.publish(loan_approval)
    review(engine, [9, 10, 11, 12, 10, 9, 11, 10, 12, 8])
    loan_approval["states"][3]["sla_s"] = 7200  # version 2: another SLA
    engine.publish(loan_approval)
    review(engine, [31, 29, 35, 40, 28, 33, 30, 36, 32, 34])
    loan_approval["states"][3]["sla_s"] = 3600  # version 3: as fast as version 2
    engine.publish(loan_approval)
    review(engine, [30, 33, 29, 36, 31, 34, 28, 35, 32, 30])
    with engine.store.read() as conn:
        newest, older = compare_versions(conn, "loan-approval", [1, 2, 3])
    assert (older.before, older.after, newest.before, newest.after) == (1, 2, 2, 3)
    assert older.slower and not newest.slower
    by_subject = {c.subject: c for c in older.changes}
    assert {"cycle", "review", "score", "received"} <= set(by_subject)
    slowed = by_subject["review"]
    assert slowed.slower and slowed.p_adjusted < 0.001 and 2.5 < slowed.ratio < 3.5
    assert not by_subject["score"].slower  # instantaneous in both versions
    assert by_subject["cycle"].slower
    assert not any(c.slower or c.faster for c in newest.changes)
    chart = version_chart(older)
    assert chart.figure["data"][1]["marker"]["color"][0] == "#dc2626"  # cycle drawn red
    assert older.to_json()["changes"][0]["subject"] == "cycle"


def review(engine: Engine, minutes: list[int]) -> None:
    for length in minutes:
        iid = engine.start("loan-approval", {"amount": 50_000})
        engine.run_until_idle()
        engine.clock.advance(length * 60)
        engine.send(iid, "approve")


def test_capacity_from_measured_load_and_the_forecast_of_a_growing_backlog(
        engine, loan_approval):
    loan_approval["sla_s"] = 4 * 3600
    engine.publish(loan_approval)
    engine.action("credit_score")(lambda ctx: {"score": 700})
    meter = LoadMeter(engine.ledger, threads=4)
    for _ in range(30):  # 30 small loans in an hour
        engine.start("loan-approval", {"amount": 5000})
        engine.clock.advance(120)
    for _ in range(60):  # jobs of 2 s each on 4 threads: capacity 2 steps/s
        meter.ran(2.0)
    meter.flush()
    with engine.store.read() as conn:
        cap = capacity.load(conn, engine.clock.now(), timedelta(hours=1))
    worker = cap.workers[0]
    assert worker.live and worker.jobs == 60 and worker.threads == 4
    assert math.isclose(cap.capacity_per_s, 2.0)
    assert math.isclose(cap.throughput_per_s, 60 / 3600)
    # No job ran yet: each loan took the two steps into `score` (started, received → score).
    assert cap.arrivals_per_h == 30 and cap.steps_per_instance == 2
    assert cap.backlog == 30  # every credit check is due
    assert cap.forecast.basis == "arrival rate against capacity"
    assert cap.forecast.growth_per_s < 0  # 2 steps/s of capacity keep up with no demand
    assert cap.forecast.backlog_breaks_in_s is None
    assert [s["definition"] for s in cap.forecast.slas] == ["loan-approval"]
    assert [c.name for c in capacity_charts(cap)] == ["capacity", "backlog", "in-progress"]
    assert cap.in_progress[-1]["in_progress"] == 30

    # The workers slow to a crawl (one job in 100 s on one thread) while loans keep coming:
    # over the last two hours 30 started, 4 steps each; the backlog outgrows its limit.
    engine.run_until_idle()
    engine.clock.advance(3600)
    for _ in range(30):
        engine.start("loan-approval", {"amount": 5000})
        engine.clock.advance(120)
    slow = LoadMeter(engine.ledger, threads=1)
    slow.ran(100.0)
    slow.flush()
    with engine.store.read() as conn:
        cap = capacity.load(conn, engine.clock.now(), timedelta(hours=2))
    assert math.isclose(cap.capacity_per_s, 0.01)  # the first meter's row is older
    assert cap.arrivals_per_h == 15 and cap.steps_per_instance == 4
    assert math.isclose(cap.demand_per_s, 15 * 4 / 3600)
    assert math.isclose(cap.forecast.growth_per_s, 15 * 4 / 3600 - 0.01)
    assert cap.forecast.backlog_limit == 0.01 * capacity.MAX_QUEUE_S == 9
    assert cap.backlog == 30 and cap.forecast.backlog_breaks_in_s == 0  # broken now
    sla = cap.forecast.slas[0]
    # p90 of the loans finished an hour after they started, plus 30 jobs ahead of each of
    # their 4 steps at 0.01 steps/s (12,000 s): past the 4 h SLA already.
    assert 3000 < sla["p90_s"] <= 3600 * 1.05 and sla["breaks_in_s"] == 0
    with engine.store.read() as conn:  # with capacity to spare, the forecast says "never"
        assert capacity.load(conn, engine.clock.now(), timedelta(minutes=30)).forecast \
            .backlog_breaks_in_s == 0  # 30 jobs due is still more than 15 min of 0.01/s


def test_a_runner_writes_its_load_every_sample(db_url, loan_approval):
    with Engine(db_url) as engine:
        engine.publish(loan_approval)
        engine.action("credit_score")(lambda ctx: {"score": 700})
        runner = Runner(engine, poll_s=0.1, threads=2, sample_s=0.2).start()
        try:
            for _ in range(5):
                engine.start("loan-approval", {"amount": 5000})
            time.sleep(0.8)
        finally:
            runner.stop()
        with engine.store.read() as conn:
            rows: list[Any] = conn.execute(select(worker_load)).all()
            cap = capacity.load(conn, engine.clock.now())
    assert len(rows) >= 2 and {r.worker_id for r in rows} == {engine.ledger.worker_id}
    assert sum(r.jobs for r in rows) == 5 and all(r.threads == 2 for r in rows)
    assert sum(r.busy_us for r in rows) > 0
    assert cap.workers[0].jobs == 5 and cap.capacity_per_s > 0
