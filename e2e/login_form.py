"""Logging in through the designer's login form, as every role's browser test starts."""

from __future__ import annotations

from playwright.sync_api import Page


def log_in(
    page: Page,
    base_url: str,
    username: str,
    password: str,
    then: str = "/",
    lands_on: str | None = None,
) -> None:
    """Fill in and submit the login form asking to go to `then`; returns once the page is at
    `lands_on` (by default `then`; e.g. the password change a one-time password leads to)."""
    page.goto(f"{base_url}/login" + ("" if then == "/" else f"?next={then}"))
    page.locator('input[data-testid="login-username"]').fill(username)
    page.locator('input[data-testid="login-password"]').fill(password)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(base_url + (lands_on or then))
