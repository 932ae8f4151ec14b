"""Out of office: tasks given to someone away are handed on by their rule (a stand-in, or
the role's queue), recorded as `task_delegated` by `system`, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from api_callers import Callers, cheap_passwords  # noqa: F401 (fixture)
from fastapi.testclient import TestClient
from test_tasks import ADMIN, ANA, BEN, CLAIM_REVIEW, _claim, _task_of
from typer.testing import CliRunner

from runtime import Engine, ManualClock
from runtime.api import create_app
from runtime.cli import app
from runtime.core.errors import EngineError, NotFound

DAY = timedelta(days=1)


def _handovers(engine: Engine, iid: str) -> list[tuple[str | None, dict]]:
    return [(e.actor, e.data) for e in engine.history(iid) if e.type == "task_delegated"]


def test_a_task_delegated_to_someone_away_goes_to_their_stand_in(
        engine: Engine, clock: ManualClock) -> None:
    now = clock.now()
    engine.tasks.set_out_of_office("ben", now - DAY, now + 7 * DAY, delegate_to="cleo",
                                   actor="ben")
    iid = _claim(engine)
    task_id = _task_of(engine, iid)
    engine.tasks.claim(task_id, ANA)
    task = engine.tasks.delegate(task_id, ANA, to_user="ben")
    assert task.assignee == "cleo"
    [(manual_actor, manual), (rule_actor, rule)] = _handovers(engine, iid)
    assert (manual_actor, manual["to_user"]) == ("ana", "ben")
    assert rule_actor == "system"
    assert rule | {"task_id": None} == {"task_id": None, "from": "ben", "to_user": "cleo",
                                        "to_role": None, "reason": "out_of_office",
                                        "away": ["ben"]}
    assert engine.verify_audit().ok


def test_without_a_stand_in_the_task_returns_to_the_role_queue(
        engine: Engine, clock: ManualClock) -> None:
    now = clock.now()
    engine.tasks.set_out_of_office("ben", now, now + DAY)
    iid = _claim(engine)
    task_id = _task_of(engine, iid)
    task = engine.tasks.delegate(task_id, ADMIN, to_user="ben")
    assert (task.assignee, task.role) == (None, "underwriter")
    assert _handovers(engine, iid)[-1][1]["to_role"] == "underwriter"
    engine.tasks.claim(task_id, ANA)  # the role's other members can take it


def test_a_ring_of_absent_stand_ins_ends_in_the_queue_and_a_chain_is_followed(
        engine: Engine, clock: ManualClock) -> None:
    now = clock.now()
    engine.tasks.set_out_of_office("ben", now, now + DAY, delegate_to="cleo")
    engine.tasks.set_out_of_office("cleo", now, now + DAY, delegate_to="dora")
    first = _task_of(engine, _claim(engine))
    assert engine.tasks.delegate(first, ADMIN, to_user="ben").assignee == "dora"
    engine.tasks.set_out_of_office("dora", now, now + DAY, delegate_to="ben")
    iid = _claim(engine)
    task = engine.tasks.delegate(_task_of(engine, iid), ADMIN, to_user="ben")
    assert task.assignee is None
    assert _handovers(engine, iid)[-1][1]["away"] == ["ben", "cleo", "dora"]


def test_tasks_held_when_an_absence_begins_are_handed_over_by_the_sweep(
        engine: Engine, clock: ManualClock) -> None:
    iid = _claim(engine)
    task_id = _task_of(engine, iid)
    engine.tasks.claim(task_id, BEN)
    now = clock.now()
    soon = timedelta(minutes=10)  # within the task's SLA, so no escalation interferes
    engine.tasks.set_out_of_office("ben", now + soon, now + 3 * DAY, delegate_to="ana")
    assert engine.tasks.get(task_id, ADMIN).assignee == "ben"  # not away yet
    clock.advance(soon.total_seconds() + 1)
    engine.tasks.sweep()
    assert engine.tasks.get(task_id, ADMIN).assignee == "ana"
    assert engine.tasks.out_of_office("ben").active(clock.now())
    clock.advance(3 * DAY.total_seconds())  # back: delegating to ben sticks again
    assert engine.tasks.delegate(task_id, ANA, to_user="ben").assignee == "ben"
    assert len(_handovers(engine, iid)) == 2


def test_bad_periods_are_refused_and_marks_can_be_cleared(
        engine: Engine, clock: ManualClock) -> None:
    now = clock.now()
    with pytest.raises(EngineError, match="must be after"):
        engine.tasks.set_out_of_office("ben", now + DAY, now)
    with pytest.raises(EngineError, match="already past"):
        engine.tasks.set_out_of_office("ben", now - 2 * DAY, now - DAY)
    with pytest.raises(EngineError, match="themselves"):
        engine.tasks.set_out_of_office("ben", now, now + DAY, delegate_to="ben")
    with pytest.raises(EngineError, match="time zone"):
        engine.tasks.set_out_of_office("ben", now.replace(tzinfo=None), now + DAY)
    engine.tasks.set_out_of_office("ben", now, now + DAY)
    engine.tasks.set_out_of_office("ben", now, now + 2 * DAY, delegate_to="ana")  # replaces
    assert [a.delegate_to for a in engine.tasks.absences()] == ["ana"]
    engine.tasks.clear_out_of_office("ben")
    assert engine.tasks.out_of_office("ben") is None
    with pytest.raises(NotFound, match="not marked out of office"):
        engine.tasks.clear_out_of_office("ben")


# ---- REST and CLI -------------------------------------------------------------------------

API = "/api/v1"


@pytest.fixture
def rest(engine: Engine) -> Iterator[tuple[TestClient, Callers]]:
    engine.publish(CLAIM_REVIEW)
    app = create_app(engine)
    with TestClient(app) as client:
        yield client, Callers(app)


def test_users_mark_themselves_over_rest_and_admins_anyone(
        rest: tuple[TestClient, Callers], engine: Engine, clock: ManualClock) -> None:
    api, callers = rest
    ben, ana = callers.bearer("ben", "underwriter"), callers.bearer("ana", "underwriter")
    boss = callers.bearer("boss", "admin")
    until = (clock.now() + 7 * DAY).isoformat()
    url = f"{API}/users/ben/out-of-office"
    assert api.get(url, headers=ben).status_code == 404
    marked = api.put(url, json={"until": until, "delegate_to": "ana"}, headers=ben)
    assert marked.status_code == 200, marked.text
    assert marked.json() | {"from": None} == {
        "username": "ben", "from": None, "until": until, "delegate_to": "ana", "rule": "user",
        "active": True, "set_by": "ben"}
    refused = api.put(url, json={"until": until}, headers=ana)
    assert refused.status_code == 403 and "only their own" in refused.text
    assert api.get(url, headers=ana).status_code == 403
    unknown = api.put(url, json={"until": until, "delegate_to": "nobody"}, headers=boss)
    assert unknown.status_code == 404 and "'nobody'" in unknown.json()["error"]["message"]
    naive = api.put(url, json={"until": "2027-01-01T00:00:00"}, headers=ben)
    assert naive.status_code == 422
    backwards = api.put(url, json={"from": until, "until": clock.now().isoformat()},
                        headers=ben)
    assert backwards.status_code == 400 and "must be after" in backwards.text
    iid = engine.start("claim-review", {"amount": 1})
    task_id = _task_of(engine, iid)
    moved = api.post(f"{API}/tasks/{task_id}/delegate", json={"to_user": "ben"}, headers=ana)
    assert moved.json()["assignee"] == "ana"  # ben is away: his stand-in has it
    assert api.delete(url, headers=boss).status_code == 204
    assert api.get(url, headers=ben).status_code == 404
    acts = [(a.actor, a.action) for a in callers.identity.admin_acts()]
    assert ("ben", "user.out-of-office") in acts and ("boss", "user.out-of-office.clear") in acts


@pytest.mark.usefixtures("cheap_passwords")
def test_the_cli_marks_shows_and_clears(db_url: str) -> None:
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(app, [*args, "--db", db_url])

    assert run("users", "add", "oo-cli-ben").exit_code == 0
    assert run("users", "add", "oo-cli-cleo").exit_code == 0
    marked = run("users", "out-of-office", "oo-cli-ben", "--from", "2026-01-01",
                 "--until", "2099-01-10T09:00+01:00", "--delegate-to", "oo-cli-cleo")
    assert marked.exit_code == 0, marked.output
    assert "until 2099-01-10T08:00:00+00:00; tasks go to oo-cli-cleo" in marked.output
    shown = run("users", "out-of-office", "oo-cli-ben", "--json")
    assert json.loads(shown.stdout)["delegate_to"] == "oo-cli-cleo"
    missing = run("users", "out-of-office", "oo-cli-ben", "--until", "2099-01-01",
                  "--delegate-to", "oo-cli-nobody")
    assert missing.exit_code == 1 and "oo-cli-nobody" in missing.output
    assert run("users", "out-of-office", "oo-cli-ben", "--clear").exit_code == 0
    assert "is not marked" in run("users", "out-of-office", "oo-cli-ben").output
    assert run("users", "out-of-office", "oo-cli-ben", "--from", "2026-01-01").exit_code == 2


def test_the_admin_page_shows_who_is_away_and_where_their_tasks_go(clock: ManualClock) -> None:
    from designer.admin_rows import user_rows
    from runtime.people.tasks.absence import Absence
    from runtime.security.identity import User

    now = clock.now()
    users = [User(name, "", "", ("underwriter",), False, True, False, None, 0, None, None,
                  now, now) for name in ("ben", "cleo", "dora")]
    away = {"ben": Absence("ben", now - DAY, now + DAY, "cleo", "ben"),
            "dora": Absence("dora", now + DAY, now + 2 * DAY, None, "dora")}
    status = {r["username"]: r["status"] for r in user_rows(users, now, away)}
    until = (now + DAY).strftime("%Y-%m-%d %H:%M UTC")
    assert status == {"ben": f"active, away until {until} → cleo", "cleo": "active",
                      "dora": "active"}  # dora leaves tomorrow
