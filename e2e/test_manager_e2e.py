"""A manager reads the dashboards after `statewright demo`: changes the time range and the
version and sees the charts change, opens the heat overlay, downloads a chart's CSV.

The shared server fixture starts on a fresh database; this one needs demo data (two
versions of the loan process) and a manager account first, so it serves its own database.
Screenshots go to test-artifacts/manager-*.png.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_settings import ADMIN_PASSWORD, ARTIFACTS, BUNDLE, ROOT
from login_form import log_in
from playwright.sync_api import Page, expect
from statewright_cli import add_user, cli
from statewright_server import database_url, running_server

MANAGER, MANAGER_PASSWORD = "mo", "manager-e2e-password"
KEY = "loan-approval"


def demo(db: str, *args: str) -> None:
    """`statewright demo <args>`; prints its timing line for the log."""
    print(cli(db, "demo", *args, timeout_s=900).strip().splitlines()[-1])


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server on a database filled by `statewright demo`: loans on version 1 for three
    days, then version 2 (a quicker underwriter SLA) for the last day; Mo is a manager."""
    if not BUNDLE.is_file():
        pytest.fail(f"the canvas bundle {BUNDLE} is missing: run `make assets` first")
    workdir = tmp_path_factory.mktemp("manager-server")
    db = database_url(workdir)
    demo(db, "--instances", "120", "--days", "3", "--seed", "1")
    second = json.loads((ROOT / "assets/samples/loan-approval.json").read_text())
    second["name"] = "Loan approval (12h underwriting)"
    next(s for s in second["states"] if s["id"] == "review")["sla_s"] = 43_200
    (workdir / "loan-v2.json").write_text(json.dumps(second))
    cli(db, "publish", str(workdir / "loan-v2.json"))
    demo(db, "--instances", "60", "--days", "1", "--seed", "2")
    add_user(db, MANAGER, "manager", MANAGER_PASSWORD)
    with running_server(workdir, {"STATEWRIGHT_STORAGE_SECRET": "e2e",
                                  "STATEWRIGHT_ADMIN_PASSWORD": ADMIN_PASSWORD}) as url:
        yield url


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"manager-{name}.png"), full_page=True)


def tile(page: Page, name: str) -> str:
    return page.get_by_test_id(f"number-{name}").locator("div").nth(1).inner_text()


def wait_for_charts(page: Page, at_least: int) -> None:
    expect(page.locator(".js-plotly-plot").nth(at_least - 1)).to_be_visible(timeout=20_000)


def test_a_manager_reads_the_dashboards_after_a_demo(browser_page: Page, demo_url: str) -> None:
    page = browser_page
    log_in(page, demo_url, MANAGER, MANAGER_PASSWORD, lands_on="/dashboards")  # their landing

    page.locator('[data-nav="dashboards"]').click()
    expect(page.get_by_test_id("dashboard-title")).to_have_text("Dashboards: all processes")
    wait_for_charts(page, 9)
    assert int(tile(page, "started").replace(",", "")) > 0
    shoot(page, "overview")

    page.get_by_test_id(f"dashboard-link-{KEY}").click()
    expect(page.get_by_test_id("dashboard-title")).to_have_text(f"Dashboard: {KEY}")
    wait_for_charts(page, 11)
    week = tile(page, "started")
    sankey_week = page.get_by_test_id("chart-sankey").inner_text()
    shoot(page, "loan-7-days")

    page.get_by_test_id("range").get_by_text("Last 24 hours").click()
    expect(page.get_by_test_id("range-shown")).to_contain_text("per hour")
    expect(page.get_by_test_id("number-started").locator("div").nth(1)).not_to_have_text(week)
    day = tile(page, "started")
    assert int(day.replace(",", "")) < int(week.replace(",", ""))
    shoot(page, "loan-24-hours")

    page.get_by_test_id("version").click()
    page.get_by_role("option", name="Version 1").click()
    expect(page.get_by_test_id("range-shown")).to_contain_text("version 1")
    expect(page.get_by_test_id("number-started").locator("div").nth(1)).not_to_have_text(day)
    page.get_by_test_id("range").get_by_text("Last 7 days").click()
    expect(page.get_by_test_id("range-shown")).to_contain_text("per day")
    expect(page.get_by_test_id("chart-sankey")).not_to_have_text(sankey_week)
    shoot(page, "loan-version-1")

    page.get_by_test_id("heat").get_by_text("Heat map on the process graph").click()
    canvas = page.get_by_test_id("heat-canvas")
    expect(canvas.locator("[data-overlay-badge]").first).to_be_visible(timeout=10_000)
    review = canvas.locator('.vue-flow__node[data-id="review"] [data-overlay-badge]')
    expect(review).to_have_text(re.compile(r"\d"))  # the median, e.g. "5.2h"
    page.wait_for_timeout(1500)  # the canvas fits the graph once the expansion has opened
    frame, node = canvas.bounding_box(), review.bounding_box()
    assert frame and node, "the canvas or the review state is not on the page"
    assert frame["x"] <= node["x"] <= frame["x"] + frame["width"], (frame, node)
    assert frame["y"] <= node["y"] <= frame["y"] + frame["height"], (frame, node)
    page.get_by_test_id("heat").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "manager-heat-overlay.png"))

    with page.expect_download() as download:
        page.get_by_test_id("csv-bottlenecks").click()
    assert download.value.suggested_filename == f"{KEY}-v1-bottlenecks.csv"
    lines = Path(download.value.path()).read_text().splitlines()
    assert re.fullmatch(r"state,visits,mean_(\w+),p50_\1,p90_\1", lines[0]), lines[0]
    assert any(line.startswith("review,") for line in lines[1:])
