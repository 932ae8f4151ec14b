"""The admin story in real Chromium: the first admin creates an operator, the operator logs in
with the one-time password, must change it and sees only what an operator may open; the
admin then issues the operator an API token and revokes it, and the API refuses it at once."""

from __future__ import annotations

import time

import httpx
from browser_settings import ADMIN_PASSWORD, ARTIFACTS
from login_form import log_in
from playwright.sync_api import Page, expect

OPAL_PASSWORD = "opal-operates-1"


def log_out(page: Page, base_url: str) -> None:
    page.get_by_test_id("logout").click()
    page.wait_for_url(base_url + "/login")


def choose(page: Page, select_test_id: str, option: str) -> None:
    """Pick `option` in a Quasar select: open its menu, click the option, close the menu."""
    page.get_by_test_id(select_test_id).click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def shown_secret(page: Page) -> str:
    secret = page.get_by_test_id("shown-secret")
    expect(secret).not_to_be_empty()
    return secret.inner_text().strip()


def nav_entries(page: Page) -> list[str]:
    return page.locator("[data-nav]").evaluate_all("links => links.map(l => l.dataset.nav)")


def api_status(base_url: str, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.get(f"{base_url}/api/v1/instances", headers=headers, timeout=10).status_code


def test_an_admin_creates_an_operator_who_sees_only_what_operators_may_open(
    signed_in_page: Page, designer_url: str
) -> None:
    page = signed_in_page
    assert "admin" in nav_entries(page)
    page.goto(designer_url + "/admin")
    expect(page.get_by_test_id("user-table")).to_contain_text("admin")

    page.get_by_test_id("new-user").click()
    page.locator('input[data-testid="new-username"]').fill("opal")
    page.get_by_label("Display name").fill("Opal Operator")
    choose(page, "role-select", "operator")
    page.screenshot(path=str(ARTIFACTS / "admin-new-user.png"))
    page.get_by_test_id("roles-save").click()
    one_time = shown_secret(page)
    page.screenshot(path=str(ARTIFACTS / "admin-one-time-password.png"))
    page.get_by_test_id("secret-done").click()
    opal_row = page.get_by_test_id("user-table").locator("tr", has_text="opal")
    expect(opal_row).to_contain_text("operator")
    expect(page.get_by_test_id("act-table")).to_contain_text("user.create")
    page.screenshot(path=str(ARTIFACTS / "admin-users.png"), full_page=True)
    log_out(page, designer_url)

    log_in(page, designer_url, "opal", one_time, lands_on="/password?next=/")
    page.get_by_label("Current password").fill(one_time)
    page.get_by_label("New password", exact=True).fill(OPAL_PASSWORD)
    page.get_by_label("New password again").fill(OPAL_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    page.wait_for_url(designer_url + "/instances")  # where an operator lands
    expect(page.get_by_test_id("page-heading")).to_have_text("Instances")
    assert nav_entries(page) == ["processes", "instances"]
    page.screenshot(path=str(ARTIFACTS / "operator-navigation.png"))
    page.goto(designer_url + "/admin")
    expect(page.get_by_text("opal may not do this")).to_be_visible()
    log_out(page, designer_url)

    log_in(page, designer_url, "admin", ADMIN_PASSWORD)
    page.goto(designer_url + "/admin")
    page.get_by_test_id("new-token").click()
    page.get_by_label("Owner").click()
    page.get_by_role("option", name="opal", exact=True).click()
    page.locator('input[data-testid="token-name"]').fill("opal-nightly-import")
    page.get_by_test_id("create-token").click()
    token = shown_secret(page)
    page.screenshot(path=str(ARTIFACTS / "admin-token-shown-once.png"))
    assert api_status(designer_url, token) == 200
    page.get_by_test_id("secret-done").click()

    token_id = token.split("_")[1]
    token_row = page.get_by_test_id("token-table").locator("tr", has_text="opal-nightly-import")
    expect(token_row).to_contain_text("active")
    page.get_by_test_id(f"revoke-{token_id}").click()
    expect(page.get_by_test_id("confirm-yes")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "admin-revoke-confirm.png"))
    page.get_by_test_id("confirm-yes").click()
    revoked_at = time.perf_counter()
    expect(token_row).to_contain_text("revoked")
    assert api_status(designer_url, token) == 401
    print(
        f"\nrevocation seen by the API {(time.perf_counter() - revoked_at) * 1000:.0f} ms "
        "after the confirm click (includes the table refresh)"
    )
    page.screenshot(path=str(ARTIFACTS / "admin-tokens.png"), full_page=True)


def cookie_flags(base_url: str, headers: dict[str, str]) -> list[str]:
    response = httpx.get(f"{base_url}/login", headers=headers, timeout=10)
    cookie = next(c for c in response.headers.get_list("set-cookie") if "statewright_session=" in c)
    return [part.strip().lower() for part in cookie.split(";")]


def test_the_real_server_sets_the_session_cookie_http_only_lax_and_secure_behind_tls(
    designer_url: str,
) -> None:
    plain = cookie_flags(designer_url, {})
    assert "httponly" in plain and "samesite=lax" in plain and "secure" not in plain
    behind_tls = cookie_flags(designer_url, {"X-Forwarded-Proto": "https"})
    assert "httponly" in behind_tls and "secure" in behind_tls
