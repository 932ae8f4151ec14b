"""Session fixation and revocation in real Chromium against a real `serve`: the cookie a
browser holds before logging in is never the logged-in one, and an admin's password reset
or role change logs the user out of the browser at once (issue #16)."""

from __future__ import annotations

from browser_settings import ARTIFACTS
from login_form import log_in
from playwright.sync_api import Page, expect
from statewright_cli import add_user, cli

COOKIE = "statewright_session"


def _cookie(page: Page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == COOKIE)


def test_a_planted_cookie_does_not_become_a_logged_in_session(
    browser_page: Page, designer_url: str, server_db: str
) -> None:
    add_user(server_db, "fixated-fay", "analyst", "fay-passphrase-123")
    page = browser_page
    page.goto(designer_url + "/login")
    planted = _cookie(page)  # what an attacker would have set in the victim's browser
    log_in(page, designer_url, "fixated-fay", "fay-passphrase-123")
    expect(page.get_by_test_id("nav-processes")).to_be_visible()
    assert _cookie(page) != planted

    attacker = page.context.browser.new_context()  # another browser profile, no shared state
    host = designer_url.split("//")[1].split(":")[0]
    attacker.add_cookies([{"name": COOKIE, "value": planted, "domain": host, "path": "/"}])
    stolen = attacker.new_page()
    stolen.goto(designer_url + "/")
    expect(stolen.locator('input[data-testid="login-username"]')).to_be_visible()
    stolen.screenshot(path=str(ARTIFACTS / "session-fixation-refused.png"))
    attacker.close()

def test_an_admin_password_reset_ends_the_users_browser_session(
    browser_page: Page, designer_url: str, server_db: str
) -> None:
    add_user(server_db, "reset-rob", "analyst", "rob-passphrase-123")
    page = browser_page
    log_in(page, designer_url, "reset-rob", "rob-passphrase-123")
    expect(page.get_by_test_id("nav-processes")).to_be_visible()
    cli(server_db, "users", "passwd", "reset-rob", "--password-stdin",
        stdin="rob-new-passphrase-456\n")
    page.goto(designer_url + "/")
    expect(page.locator('input[data-testid="login-username"]')).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "session-ended-by-reset.png"))


def test_a_role_change_ends_the_users_browser_session(
    browser_page: Page, designer_url: str, server_db: str
) -> None:
    add_user(server_db, "promoted-pia", "analyst", "pia-passphrase-123")
    page = browser_page
    log_in(page, designer_url, "promoted-pia", "pia-passphrase-123")
    before = _cookie(page)
    cli(server_db, "users", "roles", "promoted-pia", "analyst", "operator")
    page.goto(designer_url + "/")
    expect(page.locator('input[data-testid="login-username"]')).to_be_visible()
    log_in(page, designer_url, "promoted-pia", "pia-passphrase-123", then="/instances")
    assert _cookie(page) != before  # the new privileges come with a new session id
