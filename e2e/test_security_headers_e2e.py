"""The web app works under its Content-Security-Policy in real Chromium: every page an admin
opens (canvas, plotly dashboards, admin) loads with the security headers, the browser
reports no policy violation, and the logout form post still passes the CSRF check."""

from __future__ import annotations

from browser_settings import ADMIN_PASSWORD, ARTIFACTS
from playwright.sync_api import Page, expect

PAGES = ("/", "/designer/loan-approval", "/processes/loan-approval/versions/1", "/instances",
         "/tasks", "/dashboards", "/dashboards/loan-approval", "/admin")
LOADED_WITHIN_MS = 20_000  # generous: the test machine is shared
# Chromium fires this event for every blocked load, inline script, eval or frame.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) =>
    window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI}`));
"""


def test_every_page_works_under_the_content_security_policy(
    browser_page: Page, designer_url: str
) -> None:
    page = browser_page
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(designer_url + "/login")
    page.locator('input[data-testid="login-username"]').fill("admin")
    page.locator('input[data-testid="login-password"]').fill(ADMIN_PASSWORD)
    violations = [f"/login: {v}" for v in page.evaluate("window.__cspViolations")]
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(designer_url + "/")

    for path in PAGES:
        response = page.goto(designer_url + path)
        assert response is not None and response.ok, path
        headers = response.headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "DENY", path
        drawn = page.get_by_text("Statewright").first
        if path.startswith("/designer/"):  # the canvas bundle ran: Vue Flow drew the states
            drawn = page.locator('.vue-flow__node[data-id="received"]')
        expect(drawn).to_be_visible(timeout=LOADED_WITHIN_MS)
        page.wait_for_timeout(500)
        violations += [f"{path}: {v}" for v in page.evaluate("window.__cspViolations")]
        shot = path.strip("/").replace("/", "-") or "processes"
        page.screenshot(path=str(ARTIFACTS / f"csp-{shot}.png"))
    # The logout form posts to our own origin: `form-action 'self'` and the Referrer-Policy
    # must leave it its Origin, or the CSRF check would refuse it.
    page.get_by_test_id("logout").click()
    page.wait_for_url(designer_url + "/login")
    refused = [text for text in console if "Content Security Policy" in text]
    assert not violations and not refused, violations + refused
