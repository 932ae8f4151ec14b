"""The inbox, the instances list, the instance page and the task page at a desk (1440x900) and
on a phone (390x844), light and dark: nothing overlaps or scrolls sideways, tables become
cards on the phone, filters live in the URL, history reads as sentences. Screenshots go to
test-artifacts/pages-*.png."""

from __future__ import annotations

import time

import httpx
import pytest
from accessibility_checks import axe_violations, describe
from browser_settings import ARTIFACTS
from demo_loans import reviewed_applicant
from playwright.sync_api import Page, expect
from statewright_cli import new_admin_token

DESK, PHONE = {"width": 1440, "height": 900}, {"width": 390, "height": 844}
LOANS = {  # business key: (applicant, amount, first demo SSN to try)
    "PAGES-LN-1": ("Katherine Johnson", 25000, 4100),
    "PAGES-LN-2": ("Dorothy Vaughan", 48000, 4200),
    "PAGES-LN-3": ("Mary Jackson with a rather long name for a narrow column", 31500, 4300),
}


def shoot(page: Page, name: str, full: bool = True) -> None:
    page.screenshot(path=str(ARTIFACTS / f"pages-{name}.png"), full_page=full)


def dark(page: Page, url: str) -> None:
    page.context.add_cookies([{"name": "statewright_theme", "value": "dark", "url": url}])


def light(page: Page, url: str) -> None:
    page.context.add_cookies([{"name": "statewright_theme", "value": "light", "url": url}])


def page_width(page: Page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth")


def overflowing_cells(page: Page, selector: str) -> list[str]:
    """The cells under `selector` whose content spills out of them (over a neighbour): their
    text and the spilling element."""
    return page.evaluate(
        """selector => [...document.querySelectorAll(selector + ' tbody td')].flatMap(td => {
             const box = td.getBoundingClientRect();
             const out = [...td.querySelectorAll('*')].find(el => {
               const r = el.getBoundingClientRect();
               return r.width && (r.left < box.left - 2 || r.right > box.right + 2);
             });
             if (!out && td.scrollWidth <= td.clientWidth + 2) return [];
             const what = out ? `${out.tagName}.${out.className}` : 'scrolls';
             return [`${td.innerText.slice(0, 40)} (${what}, cell ${Math.round(box.width)}px)`];
           })""", selector)


def assert_accessible(page: Page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{where}:\n{describe(violations)}"


@pytest.fixture(scope="module")
def api(designer_url: str, server_db: str) -> httpx.Client:
    token = new_admin_token(server_db, "pages-e2e")
    return httpx.Client(base_url=f"{designer_url}/api/v1", timeout=15,
                        headers={"Authorization": f"Bearer {token}"})


@pytest.fixture(scope="module")
def loans(api: httpx.Client) -> dict[str, str]:
    """Three loans waiting for the underwriter: instance id by business key."""
    started = {}
    for key, (applicant, amount, first) in LOANS.items():
        answer = api.post("/instances", json={
            "definition": "loan-approval", "business_key": key, "variables": {
                "applicant_name": applicant, "amount": amount,
                "ssn": reviewed_applicant(first), "application_id": key}})
        assert answer.status_code == 201, answer.text
        started[key] = answer.json()["id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        states = {api.get(f"/instances/{i}").json()["state"] for i in started.values()}
        if states == {"review"}:
            return started
        time.sleep(0.5)
    raise AssertionError(f"the loans did not reach the review: {states}")


def test_pages_inbox_shows_business_keys_and_variables_searches_and_saves_views(
    signed_in_page: Page, designer_url: str, loans: dict[str, str]
) -> None:
    page = signed_in_page
    light(page, designer_url)
    page.goto(designer_url + "/tasks")
    roles = page.get_by_test_id("role-tasks")
    for key in LOANS:
        expect(roles.get_by_text(key, exact=True)).to_be_visible()
    headers = roles.locator("thead th")
    expect(headers.filter(has_text="Business key")).to_have_count(1)
    expect(headers.filter(has_text="Applicant name")).to_have_count(1)
    expect(headers.filter(has_text="Amount")).to_have_count(1)
    expect(roles.get_by_text("48,000")).to_be_visible()
    assert overflowing_cells(page, '[data-testid="role-tasks"]') == []
    shoot(page, "inbox-desk")

    search = page.locator('input[data-testid="task-search"]')
    search.fill("pages-ln-2")
    expect(roles.locator("tbody tr")).to_have_count(1)
    expect(roles.get_by_text("Dorothy Vaughan")).to_be_visible()
    search.fill("Katherine")  # an inbox variable's value
    expect(roles.locator("tbody tr")).to_have_count(1)
    expect(roles.get_by_text("PAGES-LN-1", exact=True)).to_be_visible()

    page.get_by_test_id("save-view").click()
    page.locator('input[data-testid="view-name"]').fill("Katherine's loans")
    page.get_by_test_id("view-save").click()
    expect(page.get_by_text("Saved the view")).to_be_visible()
    search.fill("")
    expect(roles.locator("tbody tr")).not_to_have_count(1)
    page.reload()
    page.get_by_test_id("saved-view").click()
    page.get_by_role("option", name="Katherine's loans").click()
    expect(page.locator('input[data-testid="task-search"]')).to_have_value("Katherine")
    expect(page.get_by_test_id("role-tasks").locator("tbody tr")).to_have_count(1)
    expect(page.locator(".q-menu")).to_have_count(0)  # the picker's menu has closed
    shoot(page, "inbox-saved-view")
    assert_accessible(page, "inbox at 1440px")

    page.get_by_test_id("view-delete").click()
    expect(page.get_by_text("Deleted the view")).to_be_visible()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_pages_inbox_is_cards_on_a_phone(
    signed_in_page: Page, designer_url: str, loans: dict[str, str], theme: str
) -> None:
    page = signed_in_page
    (dark if theme == "dark" else light)(page, designer_url)
    for width in (1024, 800):  # between desk and phone: the table scrolls in its card
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(designer_url + "/tasks")
        expect(page.get_by_test_id("role-tasks").get_by_text("PAGES-LN-3")).to_be_visible()
        assert page_width(page) <= width
        assert overflowing_cells(page, '[data-testid="role-tasks"]') == []
    page.set_viewport_size(PHONE)
    page.goto(designer_url + "/tasks")
    roles = page.get_by_test_id("role-tasks")
    expect(roles.get_by_text("PAGES-LN-3")).to_be_visible()
    expect(roles.locator("thead")).to_be_hidden()
    assert roles.locator("tbody tr").first.evaluate("tr => getComputedStyle(tr).display") \
        == "block"
    assert page_width(page) <= PHONE["width"]
    assert overflowing_cells(page, '[data-testid="role-tasks"]') == []
    shoot(page, f"inbox-phone-{theme}")
    assert_accessible(page, f"inbox at 390px, {theme}")


def test_pages_instances_filters_live_in_the_url_and_batch_waits_for_a_selection(
    signed_in_page: Page, designer_url: str, loans: dict[str, str]
) -> None:
    page = signed_in_page
    light(page, designer_url)
    page.goto(designer_url + "/instances")
    expect(page.get_by_test_id("batch-suspend")).to_be_disabled()
    page.locator('input[data-testid="filter-state"]').fill("review")
    page.locator('input[data-testid="filter-text"]').fill("PAGES-LN")
    page.locator('input[data-testid="filter-variable"]').fill("amount > 30000")
    page.get_by_test_id("filter-apply").click()
    table = page.get_by_test_id("instances-table")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(page).to_have_url(f"{designer_url}/instances?state=review&q=PAGES-LN"
                             "&variable=amount+%3E+30000")
    page.reload()
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.get_by_text("PAGES-LN-2")).to_be_visible()
    expect(table.get_by_text("PAGES-LN-3")).to_be_visible()
    expect(page.locator('input[data-testid="filter-variable"]')).to_have_value("amount > 30000")
    expect(page.get_by_test_id("batch-suspend")).to_be_disabled()
    table.locator("tbody tr").first.locator(".q-checkbox").click()
    expect(page.get_by_test_id("batch-suspend")).to_be_enabled()
    expect(page.get_by_text("1 selected")).to_be_visible()
    shoot(page, "instances-desk")
    assert_accessible(page, "instances at 1440px")

    page.locator('input[data-testid="filter-variable"]').fill("amount >> 5")
    page.get_by_test_id("filter-apply").click()
    expect(page.get_by_test_id("filter-error")).to_have_text(
        "variable filter 'amount >> 5': '>' is followed by another comparison sign in '> 5'")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_pages_instances_are_cards_on_a_phone(
    signed_in_page: Page, designer_url: str, loans: dict[str, str], theme: str
) -> None:
    page = signed_in_page
    (dark if theme == "dark" else light)(page, designer_url)
    page.set_viewport_size(PHONE)
    page.goto(designer_url + "/instances?q=PAGES-LN")
    table = page.get_by_test_id("instances-table")
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table.locator("thead")).to_be_hidden()
    assert page_width(page) <= PHONE["width"]
    assert overflowing_cells(page, '[data-testid="instances-table"]') == []
    shoot(page, f"instances-phone-{theme}")
    assert_accessible(page, f"instances at 390px, {theme}")


def test_pages_instance_history_reads_as_sentences_with_the_raw_event_behind(
    signed_in_page: Page, designer_url: str, loans: dict[str, str]
) -> None:
    page = signed_in_page
    light(page, designer_url)
    page.goto(f"{designer_url}/instances/{loans['PAGES-LN-1']}")
    timeline = page.get_by_test_id("timeline")
    started = timeline.get_by_text("Started by admin as PAGES-LN-1 with applicant_name "
                                   "Katherine Johnson, amount 25,000, ssn *** and 3 more")
    expect(started).to_be_visible()
    expect(timeline.get_by_text("Moved from score to route on done")).to_be_visible()
    expect(timeline.get_by_text("078-05-")).to_have_count(0)  # the SSN: masked, raw too
    page.get_by_test_id("raw-1").click()
    raw = page.get_by_test_id("event-1").locator(".font-mono")
    expect(raw).to_be_visible()
    expect(raw).to_contain_text('"ssn": "***"')
    expect(page.get_by_test_id("travel-banner")).to_be_hidden()  # opening it is no time travel
    shoot(page, "instance-desk", full=False)
    assert_accessible(page, "instance page at 1440px")

    page.get_by_test_id("tab-variables").click()
    values = page.get_by_test_id("variables").locator('[data-testid^="variable-"]')
    expect(values.first).to_be_visible()
    page.wait_for_timeout(600)  # the tab panel has slid in
    lefts = {round(box["x"]) for box in
             (values.nth(n).bounding_box() for n in range(values.count()))}
    assert len(lefts) == 1, f"variable values start at different places: {lefts}"
    shoot(page, "instance-variables-desk", full=False)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_pages_instance_page_stacks_graph_and_history_on_a_phone(
    signed_in_page: Page, designer_url: str, loans: dict[str, str], theme: str
) -> None:
    page = signed_in_page
    (dark if theme == "dark" else light)(page, designer_url)
    page.set_viewport_size(PHONE)
    page.goto(f"{designer_url}/instances/{loans['PAGES-LN-2']}")
    timeline = page.get_by_test_id("timeline")
    expect(timeline.get_by_text("Started by admin as PAGES-LN-2")).to_be_visible()
    graph = page.locator(".sw-canvas").first
    expect(graph).to_be_visible()
    graph_box, history_box = graph.bounding_box(), timeline.bounding_box()
    assert graph_box["y"] + graph_box["height"] <= history_box["y"], "not stacked"
    assert history_box["x"] >= 0 and history_box["x"] + history_box["width"] <= PHONE["width"]
    assert page_width(page) <= PHONE["width"]
    shoot(page, f"instance-phone-{theme}")
    assert_accessible(page, f"instance page at 390px, {theme}")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_pages_a_task_can_be_worked_on_a_phone(
    signed_in_page: Page, designer_url: str, loans: dict[str, str], theme: str
) -> None:
    page = signed_in_page
    (dark if theme == "dark" else light)(page, designer_url)
    page.set_viewport_size(PHONE)
    page.goto(designer_url + "/tasks")
    link = page.locator(f'a[data-testid^="open-{loans["PAGES-LN-3"]}:"]')
    expect(link).to_be_visible()
    link.click()
    page.wait_for_url(f"{designer_url}/tasks/*")
    claim = page.get_by_test_id("claim")
    if claim.count():
        claim.click()
    expect(page.get_by_text("Claimed by you")).to_be_visible()
    form = page.locator(".q-card", has=page.get_by_text("Form", exact=True)).first
    field = page.locator('[data-testid="field-underwriter_comment"]').first
    field_box, form_box = field.bounding_box(), form.bounding_box()
    assert field_box["width"] >= form_box["width"] - 48, "the field does not fill the form"
    approve = page.get_by_test_id("outcome-approve")
    approve.scroll_into_view_if_needed()
    box = approve.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    expect(approve).to_be_enabled()
    assert page_width(page) <= PHONE["width"]
    shoot(page, f"task-phone-{theme}")
    assert_accessible(page, f"task page at 390px, {theme}")
