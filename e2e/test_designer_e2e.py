"""An analyst draws a process in the browser, sees its problems on the canvas, fixes them and
publishes. Screenshots of each step go to test-artifacts/ for a human to look at."""

from __future__ import annotations

from pathlib import Path

from canvas_gestures import connect
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

KEY = "order-review"
STATES = ["task", "decision", "human", "end", "end"]
DROP_POINTS = [(180, 40), (440, 40), (580, 40), (640, 260), (320, 260)]


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"designer-{name}.png"))


def click_until_shown(target: Locator, shown: Locator, attempts: int = 3) -> None:
    """Click `target` until `shown` appears: the findings list is redrawn after every edit, so
    a click can land on an entry that is being replaced and be lost."""
    for _ in range(attempts - 1):
        target.click()
        try:
            shown.wait_for(state="visible", timeout=3_000)
            return
        except PlaywrightTimeoutError:
            continue
    target.click()
    expect(shown).to_be_visible()


def select_state(page: Page, state_id: str) -> None:
    page.locator(f'.vue-flow__node[data-id="{state_id}"] .sw-shape').click()
    expect(page.locator('[data-testid="properties"] input[data-field="id"]')).to_have_value(
        state_id
    )


def fill_field(page: Page, field: str, value: str) -> None:
    page.locator(f'[data-testid="properties"] input[data-field="{field}"]').fill(value)


def test_an_analyst_draws_fixes_and_publishes_a_process(designer_url: str, signed_in_page: Page):
    page = signed_in_page
    page.goto(designer_url + "/")
    page.get_by_test_id("new-process").click()
    page.locator('input[data-testid="new-key"]').fill(KEY)
    page.locator('input[data-testid="new-name"]').fill("Order review")
    page.get_by_test_id("create-process").click()
    page.wait_for_url(f"**/designer/{KEY}")
    expect(page.locator('.vue-flow__node[data-id="start"]')).to_be_visible()

    pane = page.locator(".vue-flow__pane")
    for state_type, (x, y) in zip(STATES, DROP_POINTS, strict=True):
        page.locator(f'.sw-palette-item[data-state-type="{state_type}"]').drag_to(
            pane, target_position={"x": x, "y": y}
        )
    expect(page.locator(".vue-flow__node")).to_have_count(6)
    findings = page.get_by_test_id("findings")
    expect(findings.locator('[data-code="dead-end"]').first).to_be_visible()
    expect(findings.locator('[data-code="unreachable"]').first).to_be_visible()
    # the problems are drawn on the states themselves: red outline and a count badge
    expect(page.locator(".vue-flow__node .sw-node--error")).to_have_count(6)
    expect(page.locator('.vue-flow__node[data-id="task_1"] .sw-badge--error')).to_be_visible()
    expect(page.get_by_test_id("publish")).to_be_disabled()
    expect(page.get_by_test_id("publish-reason")).to_be_visible()
    shoot(page, "1-dropped")

    for source, target, event in [
        ("start", "task_1", None),
        ("task_1", "decision_1", "done"),
        ("task_1", "end_2", "error"),
        ("decision_1", "human_1", None),
        ("decision_1", "end_1", None),
        ("human_1", "end_1", "submit"),
    ]:
        connect(page, source, target, event)
    expect(findings.locator('[data-code="dead-end"]')).to_have_count(0)
    expect(findings.locator('[data-code="unreachable"]')).to_have_count(0)
    expect(findings.locator('[data-code="ambiguous"]')).to_be_visible()
    shoot(page, "2-connected")

    select_state(page, "task_1")
    fill_field(page, "action", "check_order")
    select_state(page, "human_1")
    fill_field(page, "role", "approver")
    fill_field(page, "sla_s", "86400")
    expect(findings.locator('[data-code="missing-action"]')).to_have_count(0)

    # the decision's second route needs a guard: pick it from the findings list
    guard = page.locator('[data-testid="properties"] input[data-field="when"]')
    click_until_shown(findings.locator('[data-code="ambiguous"]'), guard)
    guard.fill("amount <")
    expect(page.get_by_test_id("guard-error")).not_to_be_empty()
    shoot(page, "3-bad-guard")
    guard.fill("amount < 100")
    expect(page.get_by_test_id("guard-error")).to_be_empty()
    expect(page.get_by_test_id("error-count")).to_have_count(0)
    expect(page.locator(".vue-flow__node .sw-node--error")).to_have_count(0)

    # the guard names `amount`: declare it on the process (shown when nothing is selected)
    page.locator(".vue-flow__pane").click(position={"x": 60, "y": 600})
    page.get_by_test_id("add-variable").click()
    page.locator('input[data-testid="variable-name-0"]').fill("amount")
    page.get_by_test_id("variable-type-0").click()
    page.get_by_role("option", name="number", exact=True).click()
    expect(page.get_by_test_id("no-findings")).to_be_visible()

    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("published-version")).to_have_text("Published version 1")
    shoot(page, "4-published")

    page.goto(designer_url + "/")
    expect(page.get_by_test_id("process-table")).to_contain_text(KEY)
    shoot(page, "5-processes")
    page.get_by_role("row", name=KEY).get_by_role("link", name="v1").click()
    page.wait_for_url(f"**/processes/{KEY}/versions/1")
    expect(page.locator(".vue-flow__node")).to_have_count(6)
    expect(page.locator(".vue-flow__node.draggable")).to_have_count(0)
    for state_id in ("start", "task_1", "human_1", "end_1"):
        expect(page.locator(f'.vue-flow__node[data-id="{state_id}"]')).to_be_in_viewport()
    shoot(page, "7-published-read-only")

    # version 2 changes the guard; the diff shows that one transition amber
    page.goto(designer_url + f"/designer/{KEY}")
    page.locator(".vue-flow__edge-textwrapper", has_text="amount < 100").click()
    guard = page.locator('[data-testid="properties"] input[data-field="when"]')
    expect(guard).to_have_value("amount < 100")
    guard.fill("amount < 500")
    expect(page.get_by_test_id("no-findings")).to_be_visible()
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("published-version")).to_have_text("Published version 2")
    page.goto(designer_url + f"/processes/{KEY}/versions/2")
    page.get_by_text("Compare with v1").click()
    page.wait_for_url(f"**/processes/{KEY}/diff?a=1&b=2")
    expect(page.locator(".vue-flow__edge.sw-edge--changed")).to_have_count(1)
    expect(page.locator(".vue-flow__edge.sw-edge--unchanged")).to_have_count(5)
    expect(page.locator('[data-diff="unchanged"]')).to_have_count(6)
    expect(page.get_by_text(
        "changed transition Decision 1 (decision_1) → End 1 (end_1): when")).to_be_visible()
    expect(page.locator('.vue-flow__node[data-id="decision_1"]')).to_be_in_viewport()
    shoot(page, "10-diff")


def node_box(page: Page, state_id: str) -> dict[str, float]:
    box = page.locator(f'.vue-flow__node[data-id="{state_id}"]').bounding_box()
    assert box is not None
    return box


def test_moves_are_kept_and_deletes_can_be_undone(designer_url: str, signed_in_page: Page):
    page = signed_in_page
    page.goto(designer_url + "/")
    page.get_by_test_id("new-process").click()
    page.locator('input[data-testid="new-key"]').fill("tidy-canvas")
    page.get_by_test_id("create-process").click()
    page.wait_for_url("**/designer/tidy-canvas")
    page.locator('.sw-palette-item[data-state-type="wait"]').click()
    wait_state = page.locator('.vue-flow__node[data-id="wait_1"]')
    expect(wait_state).to_be_visible()

    before = node_box(page, "wait_1")
    page.mouse.move(before["x"] + 90, before["y"] + 28)
    page.mouse.down()
    page.mouse.move(before["x"] + 390, before["y"] + 128, steps=15)
    page.mouse.up()
    page.wait_for_timeout(500)  # the move event is throttled
    moved = node_box(page, "wait_1")
    assert moved["x"] - before["x"] > 250
    position = wait_state.evaluate("node => node.style.transform")
    page.reload()
    expect(wait_state).to_be_visible()
    assert wait_state.evaluate("node => node.style.transform") == position

    wait_state.locator(".sw-shape").click()
    page.keyboard.press("Delete")
    expect(wait_state).to_have_count(0)
    page.locator("body").click(position={"x": 5, "y": 880})
    page.keyboard.press("Control+z")
    expect(wait_state).to_be_visible()

    wait_state.locator(".sw-shape").click()
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    expect(page.locator('.vue-flow__node[data-id="wait_2"]')).to_be_visible()
    shoot(page, "6-undo")


TRAVEL_REQUEST_YAML = """\
schema: statewright/v1
key: travel-request
name: Travel request
states:
  - {id: submitted, type: start}
  - {id: approve, type: human, role: manager, sla_s: 86400}
  - {id: booked, type: end}
transitions:
  - {from: submitted, to: approve}
  - {from: approve, to: booked, on: approve}
"""


def test_an_imported_yaml_file_opens_laid_out_in_the_designer(
    designer_url: str, signed_in_page: Page, tmp_path: Path
):
    page = signed_in_page
    upload = tmp_path / "travel-request.yaml"
    upload.write_text(TRAVEL_REQUEST_YAML)
    page.goto(designer_url + "/")
    page.get_by_test_id("import-process").click()
    page.locator('[data-testid="import-upload"] input[type="file"]').set_input_files(upload)
    page.wait_for_url("**/designer/travel-request")
    for state_id in ("submitted", "approve", "booked"):
        expect(page.locator(f'.vue-flow__node[data-id="{state_id}"]')).to_be_in_viewport()
    expect(page.get_by_test_id("no-findings")).to_be_visible()
    shoot(page, "8-imported")
