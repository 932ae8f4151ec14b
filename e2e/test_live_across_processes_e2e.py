"""Live pages hear other processes: with `statewright serve` running, a second process with
its own Engine and Runner (what `statewright worker` is) completes an action; the open
Instance page and the open task inbox move without a reload. Once on the shared SQLite
server (the log watch), once on a PostgreSQL server of its own (LISTEN/NOTIFY).
Screenshots: test-artifacts/live-<db>-*.png."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from browser_settings import ADMIN_PASSWORD, ARTIFACTS, ROOT
from login_form import log_in
from playwright.sync_api import Page, expect
from statewright_cli import cli, new_admin_token
from statewright_server import running_server

POSTGRES_URL = os.environ.get(
    "STATEWRIGHT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REVIEWER, PASSWORD = "rita", "rita-reviews-remotely"
REMOTE_CHECK = {
    "schema": "statewright/v1", "key": "remote-check", "name": "Remote check",
    "variables": [{"name": "applicant", "type": "string", "required": True},
                  {"name": "checked_by", "type": "string"}],
    "states": [
        {"id": "received", "type": "start"},
        {"id": "hold", "type": "wait", "name": "On hold"},
        # Only the second process registers `remote_check`. The server's runner may lease
        # the first attempt (on PostgreSQL the NOTIFY of the new job wakes it as fast as the
        # other runner wakes): it fails, "no handler". The retry is due 0.5 s later, when
        # the other process's runner (polling every 0.2 s) takes it before the server's
        # (polling every second) looks again.
        {"id": "check", "type": "task", "name": "Remote check", "action": "remote_check",
         "retry": {"max_attempts": 5, "initial_s": 0.5, "multiplier": 1, "max_s": 0.5,
                   "jitter": 0}},
        {"id": "review", "type": "human", "name": "Remote review", "role": "remote_reviewer",
         "sla_s": 86400},
        {"id": "done", "type": "end", "outcome": "completed"},
    ],
    "transitions": [{"from": "received", "to": "hold"},
                    {"from": "hold", "to": "check", "on": "go"},
                    {"from": "check", "to": "review", "on": "done"},
                    {"from": "review", "to": "done", "on": "approve"}],
}


NOTE_WHEN_SHOWN = """([selector, text]) => {
    window.__shownAt = null;
    const check = () => {
        const found = document.querySelector(selector);
        if (window.__shownAt === null && found && found.textContent.includes(text)) {
            window.__shownAt = Date.now();
        }
    };
    new MutationObserver(check).observe(document.body,
        {subtree: true, childList: true, characterData: true});
}"""


def note_when_shown(page: Page, selector: str, text: str) -> None:
    """Have the page note the wall-clock time at which `selector` first shows `text`
    (`shown_at`): the same clock as the other process's, not Playwright's polling."""
    page.evaluate(NOTE_WHEN_SHOWN, [selector, text])


def shown_at(page: Page) -> float:
    return page.evaluate("window.__shownAt") / 1000


@pytest.fixture
def postgres_server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """`statewright serve` on a fresh schema of the test database: (base URL, database)."""
    import psycopg

    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            pass
    except Exception as exc:
        message = f"PostgreSQL at {POSTGRES_URL} is not reachable: {exc}"
        if os.environ.get("STATEWRIGHT_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    schema = f"sw_e2e_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    db = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    env = {"STATEWRIGHT_STORAGE_SECRET": "e2e", "STATEWRIGHT_ADMIN_PASSWORD": ADMIN_PASSWORD}
    try:
        with running_server(tmp_path, env, db=db) as url:
            yield url, db
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest) -> tuple[str, str, str]:
    """(name, base URL, database) of a running `statewright serve`."""
    if request.param == "sqlite":
        return "sqlite", request.getfixturevalue("designer_url"), request.getfixturevalue(
            "server_db")
    return "postgres", *request.getfixturevalue("postgres_server")


def test_pages_move_when_another_process_completes_an_action(
        browser_page: Page, server: tuple[str, str, str]) -> None:
    name, url, db = server
    token = new_admin_token(db, f"live-e2e-{uuid.uuid4().hex[:6]}")
    api = httpx.Client(base_url=f"{url}/api/v1", timeout=15,
                       headers={"Authorization": f"Bearer {token}"})
    assert api.post("/definitions", json=REMOTE_CHECK).status_code in (200, 201)
    reviewer = f"{REVIEWER}-{uuid.uuid4().hex[:6]}"
    cli(db, "users", "add", reviewer, "--role", "operator", "--role", "remote_reviewer",
        "--password-stdin", stdin=PASSWORD + "\n")
    started = api.post("/instances", json={"definition": "remote-check",
                                           "variables": {"applicant": "Grace Hopper"}})
    assert started.status_code == 201, started.text
    iid = started.json()["id"]

    instance = browser_page
    log_in(instance, url, reviewer, PASSWORD, then=f"/instances/{iid}")
    expect(instance.get_by_test_id("instance-state")).to_have_text("in hold")
    assert instance.context.browser is not None
    inbox = instance.context.browser.new_page(viewport={"width": 1440, "height": 900})
    errors: list[str] = []  # the fixture watches the first page only
    inbox.on("pageerror", lambda error: errors.append(str(error)))
    log_in(inbox, url, reviewer, PASSWORD, then="/tasks")
    roles = inbox.get_by_test_id("role-tasks")
    expect(roles).to_be_visible()
    task_link = roles.locator(f'a[data-testid^="open-{iid}:"]', has_text="Remote review")
    expect(task_link).to_have_count(0)
    instance.screenshot(path=str(ARTIFACTS / f"live-{name}-1-instance-on-hold.png"))
    inbox.screenshot(path=str(ARTIFACTS / f"live-{name}-1-inbox-before.png"), full_page=True)

    note_when_shown(instance, '[data-testid="instance-state"]', "in review")
    note_when_shown(inbox, f'a[data-testid^="open-{iid}:"]', "Remote review")
    remote = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("remote_engine.py")), db, iid, "go"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    try:
        expect(instance.get_by_test_id("instance-state")).to_have_text("in review",
                                                                       timeout=30_000)
        expect(task_link).to_be_visible(timeout=10_000)
    except AssertionError as exc:
        remote.kill()
        out, err = remote.communicate()
        raise AssertionError(f"{exc}\nthe other process said: {out}{err}") from None
    out, err = remote.communicate(timeout=60)
    assert remote.returncode == 0, err
    done = json.loads(out)
    assert done["state"] == "review"
    committed = done["committed_at"]
    print(f"\n{name}: the instance page moved {shown_at(instance) - committed:.2f} s and the "
          f"inbox listed the task {shown_at(inbox) - committed:.2f} s after the other "
          f"process committed (attempt {done['attempt']} of its action)")
    expect(instance.get_by_text("Moved from check to review on done")).to_be_visible()
    instance.screenshot(path=str(ARTIFACTS / f"live-{name}-2-instance-moved.png"))
    inbox.screenshot(path=str(ARTIFACTS / f"live-{name}-3-inbox-listed.png"), full_page=True)

    instance.get_by_text("Variables", exact=True).click()
    expect(instance.get_by_test_id("variable-checked_by")).to_have_text(
        f'"process {done["pid"]}"')  # the other process ran the action, not the server
    assert errors == []
