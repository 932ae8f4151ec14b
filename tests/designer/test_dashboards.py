"""A manager reads the dashboards: numbers from the aggregates, filters that redraw every chart,
CSV downloads and the heat overlay; others are refused (SPEC §7)."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from nicegui import ui
from nicegui.testing import User

from designer.components.canvas import ProcessCanvas
from runtime import Engine
from runtime.people.tasks.model import Caller
from runtime.security.identity import IdentityService

pytestmark = pytest.mark.anyio
Login = Callable[..., Awaitable[None]]
KEY = "expense-claim"
REVIEWER = Caller("rita", frozenset({"reviewer"}))


def expense_claim(name: str = "Expense claim") -> dict[str, Any]:
    return {
        "schema": "statewright/v1", "key": KEY, "name": name,
        "variables": [{"name": "amount", "type": "number"}],
        "states": [
            {"id": "submitted", "type": "start"},
            {"id": "review", "type": "human", "role": "reviewer", "sla_s": 3600},
            {"id": "paid", "type": "end", "outcome": "completed"},
            {"id": "refused", "type": "end", "outcome": "failed"},
        ],
        "transitions": [
            {"from": "submitted", "to": "review"},
            {"from": "review", "to": "paid", "on": "approve"},
            {"from": "review", "to": "refused", "on": "refuse"},
        ],
    }


def claims(engine: Engine, count: int, outcome: str | None) -> list[str]:
    """`count` claims; each reviewed with `outcome` through the inbox (None: left waiting)."""
    ids = []
    for _ in range(count):
        iid = engine.start(KEY, {"amount": 40})
        ids.append(iid)
        if outcome is None:
            continue
        task = engine.tasks.list(REVIEWER, state="open").items[0]
        engine.tasks.claim(task.id, REVIEWER)
        engine.tasks.complete(task.id, REVIEWER, outcome)
    return ids


@pytest.fixture
def manager(engine: Engine, identity: IdentityService) -> Engine:
    """Mo the manager; version 1 has 3 paid and 1 refused claims, version 2 has 2 paid and
    1 waiting for review."""
    identity.create_user("mo", password="correct-horse-battery", roles=["manager"])
    engine.publish(expense_claim(), actor="ana")
    claims(engine, 3, "approve")
    claims(engine, 1, "refuse")
    engine.publish(expense_claim("Expense claim, v2"), actor="ana")
    claims(engine, 2, "approve")
    claims(engine, 1, None)
    return engine


async def as_mo(user: User, login: Login, path: str) -> None:
    """Log Mo in, wait for the landing page, then open `path`."""
    await login(user, "mo")
    await user.should_see(marker="current-user")
    await user.open(path)


def choose_range(user: User, preset: str) -> None:
    """Pick a range on the toggle (the simulated user cannot click toggle buttons)."""
    toggle = next(iter(user.find(marker="range").elements))
    assert user.client is not None
    with user.client:
        toggle.value = preset


def tile(user: User, name: str) -> str:
    card = next(iter(user.find(marker=f"number-{name}").elements))
    return [e.text for e in card.descendants() if isinstance(e, ui.label)][1]


def figure(user: User, chart: str) -> dict[str, Any]:
    return next(iter(user.find(marker=f"plot-{chart}").elements)).figure


async def test_the_overview_shows_every_process(anonymous: User, manager: Engine,
                                                login: Login) -> None:
    await as_mo(anonymous, login, "/dashboards")
    await anonymous.should_see("Dashboards: all processes")
    assert tile(anonymous, "started") == "7"
    assert tile(anonymous, "completed") == "5"
    assert tile(anonymous, "failed") == "1"
    processes = figure(anonymous, "processes")
    assert processes["data"][0]["x"] == [KEY] and processes["data"][0]["y"] == [7]
    waiting = figure(anonymous, "open-tasks")
    assert waiting["data"][0]["x"] == ["reviewer"] and waiting["data"][0]["y"] == [1]
    anonymous.find(marker=f"dashboard-link-{KEY}").click()
    await anonymous.should_see(f"Dashboard: {KEY}")


async def test_the_version_filter_changes_every_chart(anonymous: User, manager: Engine,
                                                      login: Login) -> None:
    await as_mo(anonymous, login, f"/dashboards/{KEY}")
    await anonymous.should_see(marker="chart-bottlenecks")
    assert tile(anonymous, "started") == "7"
    every = {name: figure(anonymous, name) for name in ("throughput", "sankey", "task-times")}
    anonymous.find(marker="version").click()
    anonymous.find("Version 2").click()
    await anonymous.should_see("version 2")
    assert tile(anonymous, "started") == "3"
    assert tile(anonymous, "completed") == "2"
    for name, before in every.items():
        assert figure(anonymous, name) != before, f"{name} did not change with the version"
    sankey = figure(anonymous, "sankey")["data"][0]
    links = dict(zip(zip(sankey["link"]["source"], sankey["link"]["target"], strict=True),
                     sankey["link"]["value"], strict=True))
    labels = sankey["node"]["label"]
    assert links[(labels.index("review"), labels.index("paid"))] == 2


async def test_a_chart_downloads_its_rows_as_csv(anonymous: User, manager: Engine,
                                                 login: Login) -> None:
    await as_mo(anonymous, login, f"/dashboards/{KEY}")
    await anonymous.should_see(marker="csv-task-times")
    anonymous.find(marker="csv-task-times").click()
    response = await anonymous.download.next()
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["role"], r["created"], r["claimed"], r["completed"]) for r in rows] == [
        ("reviewer", "7", "6", "6")]


async def test_the_heat_overlay_colours_states_and_sizes_edges(
        anonymous: User, manager: Engine, login: Login) -> None:
    await as_mo(anonymous, login, f"/dashboards/{KEY}")
    await anonymous.should_see(marker="heat")
    await anonymous.should_not_see(kind=ProcessCanvas)  # mounted when first opened
    heat = next(iter(anonymous.find(marker="heat").elements))
    assert anonymous.client is not None
    with anonymous.client:
        heat.value = True
    await anonymous.should_see(kind=ProcessCanvas)
    canvas = next(iter(anonymous.find(kind=ProcessCanvas).elements))
    overlay = canvas.props["overlay"]
    assert set(overlay["states"]) == {"submitted", "review"}  # states left in the range
    assert overlay["states"]["review"]["fill"].startswith("#")
    assert "6 visits" in overlay["states"]["review"]["title"]
    widths = {e: v["badge"] for e, v in overlay["transitions"].items()}
    assert widths == {"t0": "7", "t1": "5", "t2": "1"}


async def test_ranges_and_a_bad_custom_range(anonymous: User, manager: Engine,
                                             login: Login) -> None:
    await as_mo(anonymous, login, f"/dashboards/{KEY}")
    await anonymous.should_see("per day")  # the last 7 days, by default
    choose_range(anonymous, "24h")
    await anonymous.should_see("per hour")
    assert tile(anonymous, "started") == "7"
    choose_range(anonymous, "custom")
    await anonymous.should_see(marker="range-from")
    anonymous.find(marker="range-from").type("2026-02-30")
    anonymous.find(marker="range-to").type("2026-03-01")
    await anonymous.should_see("the 'from' day '2026-02-30' is not a date like 2026-01-31")
    anonymous.find(marker="range-from").clear().type("2020-01-01")
    anonymous.find(marker="range-to").clear().type("2020-01-02")
    await anonymous.should_see("2020-01-01 00:00 to 2020-01-03 00:00 UTC")
    assert tile(anonymous, "started") == "0"
    assert "No data in this range" in str(figure(anonymous, "throughput")["layout"])


async def test_an_analyst_may_not_read_dashboards(user: User) -> None:
    await user.open("/dashboards")
    await user.should_see("ana may not do this")
    await user.should_not_see(marker="chart-throughput")


async def test_losing_the_manager_role_stops_the_next_redraw(
        anonymous: User, manager: Engine, identity: IdentityService, login: Login) -> None:
    await as_mo(anonymous, login, f"/dashboards/{KEY}")
    await anonymous.should_see("version")
    identity.set_roles("mo", ["analyst"])
    choose_range(anonymous, "30d")
    await anonymous.should_see("You may no longer read dashboards")
    await anonymous.should_not_see("per day · version")


async def test_an_unknown_process_is_named(anonymous: User, manager: Engine,
                                           login: Login) -> None:
    await as_mo(anonymous, login, "/dashboards/no-such-process")
    await anonymous.should_see("No published process has the key 'no-such-process'.")
