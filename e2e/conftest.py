"""Browser-test fixtures: a designer server in a subprocess and headless Debian Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from browser_settings import ADMIN_PASSWORD, ARTIFACTS, BUNDLE, CHROMIUM, CHROMIUM_ARGS, ROOT
from playwright.sync_api import Page, sync_playwright

STARTUP_S = 30


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def designer_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of `statewright serve` on a fresh database (samples published, storage in a
    temp dir), stopped after the session."""
    if not BUNDLE.is_file():
        pytest.fail(f"the canvas bundle {BUNDLE} is missing: run `make assets` first")
    port = _free_port()
    workdir = tmp_path_factory.mktemp("designer-server")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "STATEWRIGHT_STORAGE_SECRET": "e2e",
        "STATEWRIGHT_ADMIN_PASSWORD": ADMIN_PASSWORD,
    }
    log = (workdir / "server.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "runtime.cli",
            "serve",
            "--port",
            str(port),
            "--db",
            f"sqlite:///{workdir / 'e2e.db'}",
        ],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_S
    while True:
        try:
            if httpx.get(f"{url}/api/v1/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail(f"designer server did not start:\n{(workdir / 'server.log').read_text()}")
        time.sleep(0.2)
    yield url
    server.terminate()
    server.wait(timeout=10)
    log.close()


@pytest.fixture
def browser_page() -> Iterator[Page]:
    """A 1440x900 page in headless Chromium; page errors fail the test."""
    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
        browser.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


@pytest.fixture
def signed_in_page(browser_page: Page, designer_url: str) -> Page:
    """The browser page after logging in as the first admin through the login form."""
    browser_page.goto(designer_url + "/login")
    browser_page.locator('input[data-testid="login-username"]').fill("admin")
    browser_page.locator('input[data-testid="login-password"]').fill(ADMIN_PASSWORD)
    browser_page.screenshot(path=str(ARTIFACTS / "login.png"))
    browser_page.get_by_test_id("login-submit").click()
    browser_page.wait_for_url(designer_url + "/")
    return browser_page
