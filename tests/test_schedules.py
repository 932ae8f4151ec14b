"""Cron schedules: the latest due run starts once (idempotency key `sched-{key}-{time}`),
a run missed during downtime is caught up once, the latest version is followed, and the
APScheduler jobs follow the published schedules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from runtime.execution.schedules import (
    ScheduleInvalid,
    Schedules,
    cron_trigger,
    latest_fire_time,
    run_key,
    start_due,
)

T0 = datetime(2026, 3, 2, 9, 1, tzinfo=UTC)


def nightly(schedule: str | None = "*/5 * * * *", name: str = "Report") -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema": "statewright/v1", "key": "report", "name": name,
        "states": [{"id": "begin", "type": "start"}, {"id": "wait", "type": "wait",
                                                       "timeout_s": 60},
                   {"id": "done", "type": "end", "outcome": "completed"}],
        "transitions": [{"from": "begin", "to": "wait"},
                        {"from": "wait", "to": "done", "on": "timeout"}]}
    if schedule:
        doc["schedule"] = schedule
    return doc


def test_latest_fire_time_is_the_last_in_the_window():
    every_five = cron_trigger("*/5 * * * *")
    assert latest_fire_time(every_five, T0, T0 + timedelta(minutes=12)) == T0.replace(minute=10)
    assert latest_fire_time(every_five, T0, T0 + timedelta(minutes=3)) is None
    yearly = cron_trigger("0 0 1 1 *")
    since = datetime(2020, 6, 1, tzinfo=UTC)
    assert latest_fire_time(yearly, since, datetime(2026, 3, 1, tzinfo=UTC)) == datetime(
        2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ScheduleInvalid, match="not a cron expression"):
        cron_trigger("every day")


def test_a_missed_run_starts_once_and_repeats_are_no_ops(engine, clock):
    clock.set(T0)
    engine.publish(nightly())
    assert start_due(engine, "report") is None  # nothing due since publishing
    clock.advance(12 * 60)  # down over 09:05 and 09:10
    first = start_due(engine, "report")
    assert start_due(engine, "report") == first
    page = engine.list_instances(definition="report")
    assert [i.id for i in page.items] == [first] and page.items[0].status == "running"
    assert engine.history(first)[0].actor == "scheduler"
    clock.advance(5 * 60)
    assert start_due(engine, "report") != first
    assert engine.list_instances(definition="report").total == 2
    assert run_key("report", T0) == "sched-report-20260302T090100Z"


def test_runs_follow_the_latest_version(engine, clock):
    clock.set(T0)
    engine.publish(nightly())
    engine.publish(nightly(name="Report v2"))
    clock.advance(5 * 60)
    iid = start_due(engine, "report")
    assert engine.get(iid).version == 2


def test_the_scheduler_follows_published_schedules(engine, clock):
    clock.set(T0)
    engine.publish(nightly("0 3 * * *"))
    schedules = Schedules(engine, sync_s=3600).start()
    try:
        assert schedules.jobs() == {"report": "0 3 * * *"}
        job = schedules.scheduler.get_job("schedule:report")
        assert (job.next_run_time.hour, job.next_run_time.minute) == (3, 0)
        engine.publish(nightly(None))  # the latest version has no schedule any more
        schedules.sync()
        assert schedules.jobs() == {} and schedules.scheduler.get_job("schedule:report") is None
        engine.publish(nightly("61 * * * *"))  # a bad cron is logged and skipped
        schedules.sync()
        assert schedules.jobs() == {}
    finally:
        schedules.stop()
