"""The dashboard benchmark: aggregates of 1,000,000 events, then the dashboards built from them.

Seeding folds synthetic event rows (instances of the loan-approval sample walking its graph
over 30 days, with human tasks claimed and done) through the real `AnalyticsUpdater`, the
code that folds every committed batch; only the events table itself is skipped, since the
dashboards never read it. Then it times, several times over, what a dashboard page does:
read the board for one definition and for the overview, build every plotly figure and
serialise it to the JSON the browser gets.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import plotly.io as pio

from runtime.analytics import board as boards
from runtime.analytics.figures import charts
from runtime.analytics.updater import AnalyticsUpdater
from runtime.benchmarks.scratch import bench_engine
from runtime.engine import Engine
from runtime.samples import samples_dir
from shared.loading import load_document

SAMPLE = "loan-approval.json"
DAYS = 30
BATCH_EVENTS = 5000
# Typical time spent in each kind of state, in seconds (a log-normal around it).
STAY_S = {"start": 0.0, "task": 20.0, "decision": 0.0, "human": 6 * 3600.0,
          "wait": 2 * 86400.0, "timer": 86400.0, "end": 0.0}


def run(url: str | None = None, events: int = 1_000_000, runs: int = 7,
        seed: int = 1) -> dict[str, Any]:
    """Seed aggregates for `events` events, then time the dashboards `runs` times."""
    with bench_engine(url, "dashboards.db") as engine:
        return _measure(engine, events, runs, seed)


def _measure(engine: Engine, events: int, runs: int, seed: int) -> dict[str, Any]:
    document = load_document(samples_dir() / SAMPLE)
    version = engine.publish(document, actor="bench").version
    now = datetime.now(UTC).replace(tzinfo=None)
    started = time.perf_counter()
    updater, seeded, instances = AnalyticsUpdater(), 0, 0
    walks = _walks(document, version, now, random.Random(seed))
    while seeded < events:
        batch: list[dict[str, Any]] = []
        while len(batch) < BATCH_EVENTS and seeded + len(batch) < events:
            walk = next(walks)
            batch.extend(walk[: events - seeded - len(batch)])
            instances += 1
        with engine.store.write() as conn:
            updater.apply(conn, batch)
        seeded += len(batch)
    seed_s = time.perf_counter() - started
    since = now - timedelta(days=DAYS)
    timings: dict[str, list[float]] = {"definition": [], "overview": []}
    figures = 0
    for _ in range(runs):
        for name, key in (("definition", document["key"]), ("overview", None)):
            t0 = time.perf_counter()
            with engine.store.read() as conn:
                board = boards.load(conn, key, None, since=since, until=now, now=now)
            built = charts(board)
            for chart in built:
                pio.to_json(chart.figure, validate=False)
                chart.csv()
            timings[name].append(time.perf_counter() - t0)
            figures = max(figures, len(built))
    return {
        "database": engine.store.dialect, "url": engine.store.display_url,
        "events": seeded, "instances": instances, "seed_s": round(seed_s, 1),
        "events_per_s": round(seeded / seed_s), "runs": runs, "charts": figures,
        **{f"{name}_p50_ms": round(_pct(values, 50) * 1000, 1) for name, values in
           timings.items()},
        **{f"{name}_p95_ms": round(_pct(values, 95) * 1000, 1) for name, values in
           timings.items()},
    }


def _walks(document: dict[str, Any], version: int, now: datetime, rng: random.Random
           ) -> Iterator[list[dict[str, Any]]]:
    """Endless instances, each the list of its event rows, started over the last DAYS days
    (those still running now end in the state they are in)."""
    states = {s["id"]: s for s in document["states"]}
    leaving: dict[str, list[dict[str, Any]]] = {}
    for t in document["transitions"]:
        leaving.setdefault(t["from"], []).append(t)
    start = next(s["id"] for s in document["states"] if s["type"] == "start")
    number = 0
    while True:
        number += 1
        iid = f"bench-{number:08d}"
        at = now - timedelta(seconds=rng.uniform(0, DAYS * 86400))
        rows = [_row(iid, 1, "instance_started", {"definition": document["key"],
                                                  "version": version}, at)]
        state, event = start, None
        rows.append(_row(iid, 2, "transition", {"to": state, "event": None}, at))
        while states[state]["type"] != "end" and len(rows) < 60:
            spec = states[state]
            stay = rng.lognormvariate(0, 0.8) * STAY_S[spec["type"]]
            if at + timedelta(seconds=stay) > now:
                break  # still there now: work in progress
            if spec["type"] == "human":
                created = at
                rows.append(_row(iid, len(rows) + 1, "task_created",
                                 {"task_id": f"{iid}:{len(rows)}", "role": spec["role"]}, at))
                rows.append(_row(iid, len(rows) + 1, "task_claimed", {"task_id": "t"},
                                 created + timedelta(seconds=stay * rng.random())))
            at += timedelta(seconds=stay)
            chosen = rng.choice(leaving[state])
            state, event = chosen["to"], chosen.get("on")
            data: dict[str, Any] = {"to": state, "event": event}
            if states[state]["type"] == "end":
                data["status"] = states[state]["outcome"]
            rows.append(_row(iid, len(rows) + 1, "transition", data, at))
        yield rows


def _row(iid: str, seq: int, type_: str, data: dict[str, Any], at: datetime
         ) -> dict[str, Any]:
    return {"instance_id": iid, "seq": seq, "type": type_, "data": data, "at": at}


def _pct(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]

