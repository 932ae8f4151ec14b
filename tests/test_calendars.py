"""Business calendars in definitions: their validation codes, and human tasks whose SLA
(due time, overdue, escalation) counts working time, on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from test_tasks import ADMIN, CLAIM_REVIEW, SENIOR, _task_of

from runtime import Engine, ManualClock
from shared.validation import validate

AMS = ZoneInfo("Europe/Amsterdam")
OFFICE = {"timezone": "Europe/Amsterdam", "hours": {"mon-fri": "09:00-17:00"},
          "holidays": {"country": "NL"}, "extra_holidays": ["2026-12-24"]}


def _with_calendar(calendar: dict[str, Any] | None = None, *, key: str = "office-review",
                   default: str | None = "nl-office", override: str | None = None
                   ) -> dict[str, Any]:
    doc = copy.deepcopy(CLAIM_REVIEW) | {"key": key, "calendars": {
        "nl-office": calendar or OFFICE}}
    if default:
        doc["calendar"] = default
    if override:
        next(s for s in doc["states"] if s["id"] == "review")["calendar"] = override
    return doc


def _codes(doc: dict[str, Any]) -> list[tuple[str, tuple[str, ...]]]:
    return [(f.code, f.states) for f in validate(doc).findings if f.severity == "error"]


def test_a_good_calendar_validates() -> None:
    assert _codes(_with_calendar()) == []


@pytest.mark.parametrize(("change", "code", "words"), [
    ({"timezone": "Europe/Atlantis"}, "bad-timezone", "calendars.nl-office.timezone"),
    ({"hours": {"mon-fri": "9-5"}}, "bad-hours", "'9-5' is not a time range"),
    ({"hours": {}}, "bad-hours", "no working hours"),
    ({"holidays": {"country": "XX"}}, "unknown-holiday-country", "'XX' is not a country"),
    ({"holidays": {"country": "DE", "subdivision": "ZZ"}}, "unknown-holiday-country",
     "'ZZ' is not a subdivision of DE"),
])
def test_calendar_problems_name_the_calendar_and_the_states_it_times(
        change: dict[str, Any], code: str, words: str) -> None:
    findings = [f for f in validate(_with_calendar(OFFICE | change)).findings if f.code == code]
    assert len(findings) == 1
    assert words in findings[0].message and "calendars.nl-office" in findings[0].message
    assert findings[0].states == ("review",) and findings[0].severity == "error"


def test_unknown_calendar_names_at_definition_and_state() -> None:
    doc = _with_calendar(default="nl-ofice", override="uk-office")
    assert sorted(_codes(doc)) == [("unknown-calendar", ()), ("unknown-calendar", ("review",))]
    message = next(f.message for f in validate(doc).findings if f.states == ("review",))
    assert "'uk-office'" in message and "known: nl-office" in message


def test_hours_given_as_a_number_are_a_schema_finding() -> None:
    assert _codes(_with_calendar(OFFICE | {"hours": {"mon": 9}}))[0][0] == "schema"


def test_the_sla_of_a_task_runs_on_working_time(db_url: str) -> None:
    # Friday 6 March 2026, 16:30 in Amsterdam: half an hour left this week
    clock = ManualClock(datetime(2026, 3, 6, 16, 30, tzinfo=AMS).astimezone(UTC))
    with Engine(db_url, clock=clock) as engine:
        engine.publish(_with_calendar())
        iid = engine.start("office-review", {"amount": 1})
        task = engine.tasks.get(_task_of(engine, iid), ADMIN)
        assert task.due_at == datetime(2026, 3, 9, 9, 30, tzinfo=AMS)  # Monday 09:30
        clock.set(datetime(2026, 3, 8, 23, tzinfo=AMS))  # all weekend: not late
        assert engine.tasks.sweep() == 0
        clock.set(datetime(2026, 3, 9, 9, 31, tzinfo=AMS))
        assert engine.tasks.sweep() == 1
        task = engine.tasks.get(task.id, SENIOR)
        assert task.escalated and task.overdue and task.role == "senior-underwriter"


def test_a_human_state_calendar_overrides_the_definition_default(db_url: str) -> None:
    clock = ManualClock(datetime(2026, 3, 6, 16, 30, tzinfo=AMS).astimezone(UTC))
    round_the_clock = {"timezone": "UTC", "hours": {"mon-sun": "00:00-24:00"}}
    doc = _with_calendar(key="always-review", override="always")
    doc["calendars"]["always"] = round_the_clock
    with Engine(db_url, clock=clock) as engine:
        engine.publish(doc)
        iid = engine.start("always-review", {"amount": 1})
        task = engine.tasks.get(_task_of(engine, iid), ADMIN)
        assert task.due_at == datetime(2026, 3, 6, 17, 30, tzinfo=AMS)


def test_without_a_calendar_the_sla_is_wall_clock(db_url: str) -> None:
    clock = ManualClock(datetime(2026, 3, 6, 16, 30, tzinfo=AMS).astimezone(UTC))
    with Engine(db_url, clock=clock) as engine:
        engine.publish(_with_calendar(key="wall-review", default=None))
        iid = engine.start("wall-review", {"amount": 1})
        task = engine.tasks.get(_task_of(engine, iid), ADMIN)
        assert task.due_at == datetime(2026, 3, 6, 17, 30, tzinfo=AMS)


def test_dashboards_count_business_time_on_request(db_url: str) -> None:
    from runtime.analytics import queries
    from runtime.analytics.updater import rebuild

    clock = ManualClock(datetime(2026, 3, 6, 16, 30, tzinfo=AMS).astimezone(UTC))
    with Engine(db_url, clock=clock) as engine:
        engine.publish(_with_calendar(key="timed-review") | {"sla_s": 7200})
        iid = engine.start("timed-review", {"amount": 1})
        task_id = _task_of(engine, iid)
        engine.tasks.claim(task_id, ADMIN)
        clock.set(datetime(2026, 3, 9, 9, 30, tzinfo=AMS))  # one working hour later
        engine.tasks.complete(task_id, ADMIN, "approve", {"decision_note": "ok"})
        for _ in range(2):  # as folded, and as rebuilt from the log
            with engine.store.read() as conn:
                wall = queries.cycle_time(conn, "timed-review")
                business = queries.cycle_time(conn, "timed-review", clock="business")
                [review] = [r for r in queries.time_in_state(conn, "timed-review",
                                                             clock="business")
                            if r["state"] == "review"]
                breaches = queries.sla_breaches(conn, "timed-review")
            assert wall["mean_s"] == 65 * 3600 and business["mean_s"] == 3600
            assert review["mean_s"] == 3600
            assert breaches == {}  # 1 working hour: within both SLAs though 65 h passed
            rebuild(engine.store)
        with engine.store.read() as conn, pytest.raises(ValueError, match="wall, business"):
            queries.cycle_time(conn, "timed-review", clock="office")


def test_every_calendar_code_has_a_severity_and_a_documented_fix() -> None:
    from pathlib import Path

    from shared.findings import SEVERITIES

    doc = (Path(__file__).parents[1] / "docs" / "definition-format.md").read_text()
    for code in ("unknown-calendar", "bad-timezone", "bad-hours", "unknown-holiday-country"):
        assert f"| `{code}` | {SEVERITIES[code]} |" in doc


def test_analytics_show_prints_business_time_on_request(db_url: str) -> None:
    from typer.testing import CliRunner

    from runtime.cli import app

    clock = ManualClock(datetime(2026, 3, 6, 16, 30, tzinfo=AMS).astimezone(UTC))
    with Engine(db_url, clock=clock) as engine:
        engine.publish(_with_calendar(key="cli-review"))
        task_id = _task_of(engine, engine.start("cli-review", {"amount": 1}))
        engine.tasks.claim(task_id, ADMIN)
        clock.set(datetime(2026, 3, 9, 9, 30, tzinfo=AMS))
        engine.tasks.complete(task_id, ADMIN, "approve", {"decision_note": "ok"})
    runner = CliRunner()
    business = runner.invoke(app, ["analytics", "show", "cli-review", "--time", "business",
                                   "--db", db_url])
    assert business.exit_code == 0, business.output
    assert "(business time)" in business.output and "mean 3,600.0s" in business.output
    wall = runner.invoke(app, ["analytics", "show", "cli-review", "--db", db_url])
    assert "mean 234,000.0s" in wall.output
    bad = runner.invoke(app, ["analytics", "show", "cli-review", "--time", "office",
                              "--db", db_url])
    assert bad.exit_code == 2 and "--time must be wall or business" in bad.output


def test_an_sla_the_calendar_cannot_hold_falls_back_to_wall_clock() -> None:
    from datetime import timedelta

    from shared.business_time import sla_due
    from shared.definition import Definition

    doc = _with_calendar({"hours": {"mon": "09:00-09:01"}}, key="tiny-review")
    doc["states"][1]["sla_s"] = 10 * 365 * 86400
    definition = Definition.model_validate(doc)
    now = datetime(2026, 3, 6, 16, 30, tzinfo=UTC)
    due = sla_due(definition, definition.state("review"), now)
    assert due == now + timedelta(seconds=10 * 365 * 86400)
