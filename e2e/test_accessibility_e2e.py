"""Every page of the web app, as the role that works there, passes axe-core's WCAG 2.1 AA
rules with no serious or critical violation: at 1440x900 and 390x844, light and dark.

The server gets demo data (`statewright demo`) and one account per role, so the instance,
task and dashboard pages have something to show. Each page is also checked for its title,
its one `<h1>` and `<html lang>`. Screenshots: test-artifacts/a11y-<theme>-<width>-<page>.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from accessibility_checks import axe_violations, describe
from browser_settings import ADMIN_PASSWORD, ARTIFACTS, BUNDLE, CHROMIUM, CHROMIUM_ARGS
from demo_loans import reviewed_applicant
from login_form import log_in
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from statewright_cli import add_user, cli, new_admin_token
from statewright_server import database_url, running_server

PASSWORD = "a11y-e2e-password"
USERS = {"analyst": "ana", "manager": "mo", "operator": "otto", "auditor": "aud",
         "underwriter": "uma"}
SIZES = {"wide": (1440, 900), "phone": (390, 844)}


@dataclass(frozen=True)
class Visit:
    """A page to check: its path, who opens it, and the tab title it must have."""

    name: str
    path: str
    user: str | None
    title: str


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(url, database) of a server with demo loans, an open underwriter task and one
    account per role."""
    if not BUNDLE.is_file():
        pytest.fail(f"the canvas bundle {BUNDLE} is missing: run `make assets` first")
    workdir = tmp_path_factory.mktemp("a11y-server")
    db = database_url(workdir)
    cli(db, "demo", "--instances", "30", "--days", "1", "--seed", "3", timeout_s=600)
    env = {"STATEWRIGHT_STORAGE_SECRET": "e2e", "STATEWRIGHT_ADMIN_PASSWORD": ADMIN_PASSWORD}
    with running_server(workdir, env) as url:  # it makes the first admin of an empty database
        for role, name in USERS.items():
            add_user(db, name, role, PASSWORD)
        token = new_admin_token(db, "a11y")
        answer = httpx.post(f"{url}/api/v1/instances", headers={"Authorization": f"Bearer {token}"},
                            json={"definition": "loan-approval", "variables": {
                                "applicant_name": "Ada Lovelace", "amount": 25000,
                                "ssn": reviewed_applicant(2210), "application_id": "LN-A11Y"}},
                            timeout=10)
        assert answer.status_code == 201, answer.text
        yield url, db


@pytest.fixture(scope="module")
def chromium(demo_server: tuple[str, str]) -> Iterator[Browser]:
    """One browser for the module, closed before the server so no page holds it open."""
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


def signed_in(browser: Browser, url: str, user: str | None, theme: str) -> BrowserContext:
    """A browser context with `theme` picked (its cookie, as the toggle sets it), logged in
    as `user` unless None."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.add_cookies([{"name": "statewright_theme", "value": theme, "url": url}])
    if user is not None:
        page = context.new_page()
        password = ADMIN_PASSWORD if user == "admin" else PASSWORD
        log_in(page, url, user, password, then="/tasks" if user == "uma" else "/processes"
               if user in ("admin", "ana") else "/instances")
        page.close()
    return context


def first_link(page: Page, url: str, path: str, selector: str) -> str:
    """The path of the first link matching `selector` on `path`."""
    page.goto(url + path)
    link = page.locator(selector).first
    expect(link).to_be_attached(timeout=30_000)
    href = link.get_attribute("href") or ""
    return href.removeprefix(url)


def visits(browser: Browser, url: str) -> list[Visit]:
    """Every page, with the instance and task it shows found on the list pages."""
    context = signed_in(browser, url, "uma", "light")
    page = context.new_page()
    task = first_link(page, url, "/tasks", 'a[data-testid^="open-"]')
    context.close()
    context = signed_in(browser, url, "admin", "light")
    page = context.new_page()
    instance = first_link(page, url, "/instances", 'a[href*="/instances/"]')
    context.close()
    instance_id = instance.rsplit("/", 1)[-1]
    return [
        Visit("login", "/login", None, "Log in · Statewright"),
        Visit("processes", "/processes", "admin", "Processes · Statewright"),
        Visit("designer", "/designer/loan-approval", "admin",
              "Designer: loan-approval · Statewright"),
        Visit("designer-picker", "/designer", "ana", "Designer: pick a process · Statewright"),
        Visit("version", "/processes/loan-approval/versions/1", "admin",
              "loan-approval version 1 · Statewright"),
        Visit("diff", "/processes/loan-approval/diff", "admin",
              "Compare loan-approval versions · Statewright"),
        Visit("instances", "/instances", "otto", "Instances · Statewright"),
        Visit("instance", instance, "otto", f"Instance {instance_id} · Statewright"),
        Visit("inbox", "/tasks", "uma", "Inbox · Statewright"),
        Visit("task", task, "uma", "Task · Statewright"),
        Visit("dashboards", "/dashboards", "mo", "Dashboards · Statewright"),
        Visit("dashboard", "/dashboards/loan-approval", "mo",
              "Dashboard: loan-approval · Statewright"),
        Visit("admin", "/admin", "admin", "Admin · Statewright"),
        Visit("messaging", "/admin/messaging", "admin", "Messaging · Statewright"),
        Visit("alerts", "/alerts", "admin", "Alerts · Statewright"),
        Visit("compliance", "/compliance", "aud", "Compliance · Statewright"),
        Visit("logout", "/logout", "admin", "Log out · Statewright"),
    ]


def settle(page: Page) -> None:
    """Wait until the page has drawn what axe should see: its heading, charts, canvas."""
    expect(page.locator("h1")).to_have_count(1, timeout=20_000)
    page.wait_for_timeout(400)
    if page.locator(".js-plotly-plot").count():
        expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible(timeout=20_000)
    if page.locator(".sw-canvas").count():
        expect(page.locator(".sw-node").first).to_be_visible(timeout=20_000)
    page.wait_for_timeout(300)  # Quasar transitions (drawer, tooltips) finish


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_page_passes_axe_at_both_widths(
    chromium: Browser, demo_server: tuple[str, str], theme: str
) -> None:
    browser = chromium
    url, _ = demo_server
    failures: list[str] = []
    contexts: dict[str | None, BrowserContext] = {}
    checked = 0
    for visit in visits(browser, url):
        if visit.user not in contexts:
            contexts[visit.user] = signed_in(browser, url, visit.user, theme)
        page = contexts[visit.user].new_page()
        for size, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            page.goto(url + visit.path)
            settle(page)
            assert page.title() == visit.title, f"{visit.path}: title {page.title()!r}"
            assert page.locator("html").get_attribute("lang") == "en-US", visit.path
            dark = "body--dark" in (page.locator("body").get_attribute("class") or "")
            assert dark == (theme == "dark"), f"{visit.path}: the {theme} theme is not applied"
            page.screenshot(path=str(ARTIFACTS / f"a11y-{theme}-{size}-{visit.name}.png"),
                            full_page=True)
            violations = axe_violations(page)
            checked += 1
            if violations:
                failures.append(f"{visit.path} at {width}px, {theme}:\n{describe(violations)}")
        page.close()
    for context in contexts.values():
        context.close()
    print(f"\naxe-core checked {checked} page views ({theme}): {len(failures)} with "
          "serious or critical violations")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("user", "lands_on", "heading"),
    [("uma", "/tasks", "Inbox"), ("mo", "/dashboards", "Dashboards"),
     ("ana", "/", "Processes"), ("otto", "/instances", "Instances"),
     ("aud", "/compliance", "Compliance")],
)
def test_each_role_lands_where_it_works(
    chromium: Browser, demo_server: tuple[str, str], user: str, lands_on: str, heading: str
) -> None:
    url, _ = demo_server
    context = chromium.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    log_in(page, url, user, PASSWORD, then="/", lands_on=lands_on)
    expect(page.get_by_test_id("page-heading")).to_have_text(heading)
    context.close()


def test_the_designer_entry_opens_the_last_process_or_a_picker(
    chromium: Browser, demo_server: tuple[str, str]
) -> None:
    url, db = demo_server
    add_user(db, "ada", "analyst", PASSWORD)
    context = chromium.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    log_in(page, url, "ada", PASSWORD, then="/processes")
    page.get_by_test_id("nav-designer").click()
    expect(page.get_by_test_id("designer-picker")).to_be_visible()
    page.get_by_test_id("pick-purchase-order").click()
    page.wait_for_url(url + "/designer/purchase-order")
    page.get_by_test_id("nav-processes").click()
    page.wait_for_url(url + "/processes")
    page.get_by_test_id("nav-designer").click()
    page.wait_for_url(url + "/designer/purchase-order")
    context.close()


def test_a_phone_gets_a_menu_button_and_the_theme_toggle_is_remembered(
    chromium: Browser, demo_server: tuple[str, str]
) -> None:
    url, _ = demo_server
    context = chromium.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark")
    page = context.new_page()
    log_in(page, url, "admin", ADMIN_PASSWORD, then="/processes")
    # No pick yet: the system's dark preference is followed.
    expect(page.locator("body")).to_have_class(re.compile(r"\bbody--dark\b"))
    header = page.locator(".q-header").bounding_box()
    assert header is not None and header["height"] < 70, f"the header wraps: {header}"
    expect(page.get_by_test_id("nav-instances")).to_be_hidden()
    page.get_by_test_id("menu-button").click()
    expect(page.get_by_test_id("drawer-instances")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "a11y-phone-menu.png"))
    page.get_by_test_id("drawer-instances").click()
    page.wait_for_url(url + "/instances")

    toggle = page.get_by_test_id("theme-toggle")
    expect(toggle).to_have_attribute("data-theme", "auto")
    toggle.click()  # auto -> dark
    toggle.click()  # dark -> light
    expect(toggle).to_have_attribute("data-theme", "light")
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bbody--dark\b"))
    page.reload()
    expect(page.get_by_test_id("theme-toggle")).to_have_attribute("data-theme", "light")
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bbody--dark\b"))
    assert "Menu" in (page.get_by_test_id("menu-button").get_attribute("aria-label") or "")
    context.close()
