"""Browser-test fixtures: a designer server in a subprocess and headless Debian Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_settings import ADMIN_PASSWORD, ARTIFACTS, BUNDLE, CHROMIUM, CHROMIUM_ARGS
from playwright.sync_api import Page, sync_playwright
from statewright_server import database_url, running_server


@pytest.fixture(scope="session")
def designer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Working directory of the shared designer server: its database and log."""
    return tmp_path_factory.mktemp("designer-server")


@pytest.fixture(scope="session")
def designer_url(designer_dir: Path) -> Iterator[str]:
    """Base URL of `statewright serve` on a fresh database (samples published, storage in a
    temp dir), stopped after the session."""
    if not BUNDLE.is_file():
        pytest.fail(f"the canvas bundle {BUNDLE} is missing: run `make assets` first")
    env = {"STATEWRIGHT_STORAGE_SECRET": "e2e", "STATEWRIGHT_ADMIN_PASSWORD": ADMIN_PASSWORD}
    with running_server(designer_dir, env) as url:
        yield url


@pytest.fixture(scope="session")
def server_db(designer_url: str, designer_dir: Path) -> str:
    """The shared server's database, once it serves: for `statewright` commands in tests."""
    return database_url(designer_dir)


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
