"""1,000 running instances: how long the Instances page takes to show its first page, and how
long an engine event takes to appear on an open Instance page. Measured and printed (the
numbers go to the test log), not asserted on timing."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from browser_settings import ARTIFACTS
from playwright.sync_api import Page, expect
from statewright_cli import new_admin_token

from runtime import Engine

INSTANCES = 1_000
WAITING = {
    "schema": "statewright/v1", "key": "parcel-hold", "name": "Parcel on hold",
    "variables": [{"name": "parcel", "type": "integer", "required": True}],
    "states": [{"id": "received", "type": "start"}, {"id": "held", "type": "wait"},
               {"id": "released", "type": "end", "outcome": "completed"}],
    "transitions": [{"from": "received", "to": "held"},
                    {"from": "held", "to": "released", "on": "release"}],
}


@pytest.fixture(scope="module")
def parcels(server_db: str) -> list[str]:
    """1,000 instances waiting in `held`, started by a second engine on the same database."""
    started = time.monotonic()
    with Engine(server_db) as engine:
        engine.publish(WAITING)
        with ThreadPoolExecutor(16) as pool:  # concurrent starts share group commits
            ids = list(pool.map(lambda n: engine.start("parcel-hold", {"parcel": n},
                                                       business_key=f"P-{n:05d}"),
                                range(INSTANCES)))
    print(f"\nstarted {INSTANCES} instances in {time.monotonic() - started:.1f} s")
    return ids


def test_a_thousand_instances_page_load_and_live_update_latency(
        signed_in_page: Page, designer_url: str, server_db: str, parcels: list[str]) -> None:
    page = signed_in_page
    baseline = []
    for _ in range(3):  # the Processes page: what any page costs on this machine
        begin = time.monotonic()
        page.goto(f"{designer_url}/")
        expect(page.locator("tbody tr").first).to_be_visible()
        baseline.append(time.monotonic() - begin)
    loaded, served = [], []
    for _ in range(3):
        begin = time.monotonic()
        page.goto(f"{designer_url}/instances?definition=parcel-hold")
        expect(page.locator("tbody tr").first).to_be_visible()
        loaded.append(time.monotonic() - begin)
        served.append(page.evaluate("performance.getEntriesByType('navigation')[0].responseEnd"))
    expect(page.get_by_text(f"{INSTANCES} instance(s)")).to_be_visible()
    print(f"\nInstances page with {INSTANCES} running: first page shown in "
          + ", ".join(f"{s * 1000:.0f} ms" for s in loaded)
          + " (HTML served after " + ", ".join(f"{ms:.0f} ms" for ms in served) + "); "
          + "Processes page for comparison: " + ", ".join(f"{s * 1000:.0f} ms" for s in baseline))
    page.screenshot(path=str(ARTIFACTS / "instances-scale-list.png"))

    token = new_admin_token(server_db, "scale-e2e")
    api = httpx.Client(base_url=f"{designer_url}/api/v1", timeout=15,
                       headers={"Authorization": f"Bearer {token}"})
    latencies = []
    for parcel in parcels[:5]:
        page.goto(f"{designer_url}/instances/{parcel}")
        expect(page.get_by_test_id("instance-state")).to_have_text("in held")
        sent = time.monotonic()
        answer = api.post(f"/instances/{parcel}/events", json={"event": "release"})
        assert answer.status_code == 200, answer.text
        committed = time.monotonic()
        expect(page.get_by_test_id("instance-status")).to_have_text("completed", timeout=10_000)
        shown = time.monotonic()
        latencies.append((shown - committed, shown - sent))
    print("live update, engine commit -> visible: "
          + ", ".join(f"{c * 1000:.0f} ms" for c, _ in latencies)
          + " (REST call included: " + ", ".join(f"{s * 1000:.0f} ms" for _, s in latencies) + ")")
    page.screenshot(path=str(ARTIFACTS / "instances-scale-live.png"))
