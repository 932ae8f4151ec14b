"""Polish (issue #19 part 8) in the browser, on the shared server's fresh database: dashboard
section links and calm empty charts, the version pickers of the diff, calm empty tables, at
1440x900 and 390x844, light and dark, with axe-core finding nothing serious (the diff canvas
included), no sideways overflow and no chart title cut off.
Screenshots: test-artifacts/polish-<page>-<width>-<theme>.png."""

from __future__ import annotations

import httpx
import pytest
from accessibility_checks import axe_violations, describe
from browser_settings import ARTIFACTS
from demo_loans import reviewed_applicant
from playwright.sync_api import Page, expect
from statewright_cli import new_admin_token

KEY = "loan-approval"
# A sample no browser test starts: its dashboard stays empty however the files are ordered.
UNSTARTED_KEY = "insurance-claim"
SIZES = {"wide": (1440, 900), "phone": (390, 844)}


def shoot_everywhere(page: Page, url: str, name: str) -> list[str]:
    """The page at both widths, light then dark: screenshots, and axe's serious findings."""
    failures = []
    for theme in ("light", "dark"):
        page.context.add_cookies([{"name": "statewright_theme", "value": theme, "url": url}])
        for size, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            page.goto(url)
            expect(page.locator("h1")).to_have_count(1, timeout=20_000)
            page.wait_for_timeout(800)
            page.screenshot(path=str(ARTIFACTS / f"polish-{name}-{size}-{theme}.png"),
                            full_page=True)
            violations = axe_violations(page)
            if violations:
                failures.append(f"{name} {size} {theme}:\n{describe(violations)}")
            failures += [f"{name} {size} {theme}: {cut}" for cut in page.evaluate(CUT_OFF)]
    return failures


# Sideways overflow of the page, and chart titles wider than their card (cut off).
CUT_OFF = """() => {
  const cut = [...document.querySelectorAll('[data-testid^="title-"]')]
    .filter((el) => el.scrollWidth > el.clientWidth + 1
      || el.getBoundingClientRect().right > innerWidth)
    .map((el) => `title cut off: ${el.textContent}`);
  const over = document.documentElement.scrollWidth - innerWidth;
  return over > 0 ? [...cut, `${over}px sideways overflow`] : cut;
}"""


def test_polish_dashboard_has_section_links_and_calm_empty_charts(
        signed_in_page: Page, designer_url: str) -> None:
    page = signed_in_page
    page.goto(f"{designer_url}/dashboards/{UNSTARTED_KEY}")
    sections = page.get_by_test_id("dashboard-sections")
    expect(sections.get_by_role("link", name="Bottlenecks")).to_be_visible(timeout=20_000)
    expect(sections.get_by_role("link", name="Cycle time distribution")).to_be_visible()
    expect(page.get_by_test_id("chart-throughput")).to_contain_text("No data in this range yet")
    sections.get_by_role("link", name="Task times").click()
    expect(page.get_by_test_id("chart-task-times")).to_be_in_viewport()
    # chart titles are text in the card, which wraps on a phone, not plotly's one-line title
    expect(page.get_by_test_id("title-throughput")).to_contain_text("Throughput (instances per")
    expect(page.locator(".js-plotly-plot .gtitle")).to_have_count(0)
    failures = shoot_everywhere(page, f"{designer_url}/dashboards/{UNSTARTED_KEY}", "dashboard")
    failures += shoot_everywhere(page, f"{designer_url}/dashboards", "dashboards")
    assert not failures, "\n".join(failures)


def test_polish_diff_has_version_pickers_and_state_names(
        signed_in_page: Page, designer_url: str) -> None:
    page = signed_in_page
    page.goto(f"{designer_url}/processes/{KEY}/diff")
    expect(page.get_by_test_id("diff-from")).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("diff-to")).to_be_visible()
    expect(page.get_by_test_id("diff-from")).to_contain_text("v1")
    failures = shoot_everywhere(page, f"{designer_url}/processes/{KEY}/diff", "diff")
    assert not failures, "\n".join(failures)


def test_polish_diff_of_two_versions_reads_in_both_themes(
        signed_in_page: Page, designer_url: str, server_db: str) -> None:
    api = httpx.Client(base_url=f"{designer_url}/api/v1", timeout=15, headers={
        "Authorization": f"Bearer {new_admin_token(server_db, 'polish-diff')}"})
    document = {**api.get(f"/definitions/{KEY}").json()["definition"], "key": "polish-diff"}
    assert api.post("/definitions", json=document).status_code == 201
    for state in document["states"]:
        if state["id"] == "cooling_off":
            state["duration_s"] = 2 * state["duration_s"]
    document["states"].append({"id": "withdrawn", "type": "end", "outcome": "failed"})
    document["transitions"].append({"from": "wait_docs", "to": "withdrawn", "on": "withdraw"})
    answer = api.post("/definitions/polish-diff/versions", json=document)
    assert answer.status_code == 201, answer.text
    page = signed_in_page
    page.goto(f"{designer_url}/processes/polish-diff/diff")
    expect(page.get_by_test_id("changes").locator(".text-green-700")).not_to_have_count(0)
    expect(page.get_by_test_id("changes").locator(".text-amber-800")).not_to_have_count(0)
    # the change list and the canvas's added, changed and unchanged states, light and dark
    failures = shoot_everywhere(page, f"{designer_url}/processes/polish-diff/diff", "diff-v2")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("path", "table", "sentence"), [
    ("/alerts", "rule-table", "No alert rules yet"),
    ("/alerts", "alert-table", "Nothing is firing"),
])
def test_polish_empty_tables_say_what_appears_there(
        signed_in_page: Page, designer_url: str, path: str, table: str, sentence: str) -> None:
    page = signed_in_page
    page.goto(designer_url + path)
    empty = page.get_by_test_id(table).get_by_test_id("empty-state")
    expect(empty).to_contain_text(sentence, timeout=20_000)
    expect(page.get_by_test_id(table).get_by_text("warning", exact=True)).to_have_count(0)
    failures = shoot_everywhere(page, designer_url + path, path.strip("/").replace("/", "-"))
    assert not failures, "\n".join(failures)


def test_polish_task_form_styles_outcomes_confirms_reject_and_clears_stale_toasts(
        signed_in_page: Page, designer_url: str, server_db: str) -> None:
    page = signed_in_page
    token = new_admin_token(server_db, "polish-e2e")
    answer = httpx.post(f"{designer_url}/api/v1/instances",
                        headers={"Authorization": f"Bearer {token}"},
                        json={"definition": KEY, "variables": {
                            "applicant_name": "Ada Polish", "amount": 25000,
                            "ssn": reviewed_applicant(3310), "application_id": "LN-POLISH"}},
                        timeout=10)
    assert answer.status_code == 201, answer.text
    instance_id = answer.json()["id"]
    page.goto(f"{designer_url}/tasks")
    link = page.locator(f'a[data-testid^="open-{instance_id}:"]')
    expect(link).to_be_visible(timeout=30_000)
    link.click()
    page.get_by_test_id("claim").click()
    expect(page.get_by_test_id("outcome-approve")).to_have_attribute("data-kind", "primary")
    expect(page.get_by_test_id("outcome-request_docs")).to_have_attribute("data-kind", "neutral")
    reject = page.get_by_test_id("outcome-reject")
    expect(reject).to_have_attribute("data-kind", "destructive")
    expect(reject).to_be_enabled()
    reject.click()
    expect(page.get_by_test_id("confirm-dialog")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "polish-task-confirm-reject.png"))
    page.get_by_test_id("confirm-no").click()
    page.get_by_test_id("outcome-approve").click()
    expect(page.get_by_text("Some fields need attention")).to_be_visible()
    page.locator('input[data-testid="field-underwriter_comment"]').fill("fine")
    page.get_by_test_id("outcome-approve").click()
    expect(page.get_by_text("Completed with approve")).to_be_visible()
    expect(page.get_by_text("Some fields need attention")).to_have_count(0)
    failures = shoot_everywhere(page, page.url, "task")
    assert not failures, "\n".join(failures)
