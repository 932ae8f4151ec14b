"""Connecting asks which event the arrow is for (#19.4): a task's arrow offers done and error,
one another arrow takes already is shown taken, Cancel and Escape add nothing, any other name
can be typed, one undo removes the arrow, and a fork's arrows are added at once. Screenshots
go to test-artifacts/connect-*.png."""

from __future__ import annotations

from accessibility_checks import axe_violations, describe
from canvas_gestures import connect, draw_arrow, drop, new_process, shoot
from playwright.sync_api import Page, expect


def test_connect_asks_for_the_event_and_never_guesses_an_error_exit(
    designer_url: str, signed_in_page: Page
) -> None:
    page = signed_in_page
    new_process(page, designer_url, "connect-e2e-order", "Connect order")
    for state_type, x, y in [("task", 180, 60), ("end", 500, 0), ("end", 500, 200),
                             ("fork", 180, 360), ("wait", 500, 380)]:
        drop(page, state_type, x, y)
    expect(page.locator(".vue-flow__node")).to_have_count(6)
    edges = page.locator(".vue-flow__edge")
    findings = page.get_by_test_id("findings")
    dialog = page.get_by_test_id("connect-dialog")
    event_field = page.locator('[data-testid="properties"] input[data-field="on"]')

    connect(page, "start", "task_1")  # a start is left at once: no question

    draw_arrow(page, "task_1", "end_1")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("task_1 → end_1")
    for event in ("done", "error"):
        expect(dialog.get_by_test_id(f"connect-event-{event}")).to_be_enabled()
    expect(dialog.get_by_test_id("connect-event-timeout")).to_have_count(0)  # not a task exit
    expect(dialog.locator('input[data-testid="connect-event-name"]')).to_be_visible()
    shoot(page, "connect-1-asked")
    page.emulate_media(color_scheme="dark")
    shoot(page, "connect-1-asked-dark")
    page.emulate_media(color_scheme="light")
    violations = axe_violations(page)
    assert not violations, describe(violations)
    dialog.get_by_test_id("connect-event-done").click()
    expect(dialog).to_be_hidden()
    expect(edges).to_have_count(2)
    expect(event_field).to_have_value("done")  # the new arrow is selected
    expect(findings.locator('[data-code="ambiguous"]')).to_have_count(0)
    expect(findings.locator('[data-code="bad-exit"]')).to_have_count(0)

    draw_arrow(page, "task_1", "end_2")
    taken = dialog.get_by_test_id("connect-event-done")
    expect(taken).to_be_disabled()
    expect(taken).to_contain_text("taken")
    expect(taken).to_have_attribute("data-taken", "true")
    name = dialog.locator('input[data-testid="connect-event-name"]')
    name.fill("done")  # typed, a taken event is refused as well
    dialog.get_by_test_id("connect-event-ok").click()
    expect(dialog).to_contain_text("taken on done already")
    expect(edges).to_have_count(2)
    shoot(page, "connect-2-done-taken")
    dialog.get_by_test_id("connect-event-error").click()
    expect(dialog).to_be_hidden()
    expect(edges).to_have_count(3)
    expect(event_field).to_have_value("error")
    expect(findings.locator('[data-code="ambiguous"]')).to_have_count(0)
    expect(page.locator(".vue-flow__edge-textwrapper", has_text="error")).to_be_visible()

    # Cancel, Escape and a click beside the dialog add nothing
    draw_arrow(page, "task_1", "end_1")
    expect(dialog).to_be_visible()
    dialog.get_by_test_id("connect-cancel").click()
    expect(dialog).to_be_hidden()
    draw_arrow(page, "task_1", "end_1")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    draw_arrow(page, "task_1", "end_1")
    expect(dialog).to_be_visible()
    page.mouse.click(10, 10)
    expect(dialog).to_be_hidden()
    expect(edges).to_have_count(3)

    # one undo takes the chosen arrow away again
    page.locator("body").click(position={"x": 5, "y": 880})
    page.keyboard.press("Control+z")
    expect(edges).to_have_count(2)
    expect(page.locator(".vue-flow__edge-textwrapper", has_text="error")).to_have_count(0)

    # a fork's arrows take no event: added at once; a wait's event may be any name
    connect(page, "fork_1", "wait_1")
    draw_arrow(page, "wait_1", "end_2")
    expect(dialog.get_by_test_id("connect-event-message")).to_be_visible()
    name.fill("payment_received")
    name.press("Enter")
    expect(dialog).to_be_hidden()
    expect(edges).to_have_count(4)
    expect(event_field).to_have_value("payment_received")
    shoot(page, "connect-3-typed")
