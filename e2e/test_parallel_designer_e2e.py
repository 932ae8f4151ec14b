"""Draw a fork/join in the designer and simulate it (#17): from a new process, a fork, two
waits, a join and an end are dropped from the palette and connected (the waits' arrows answer
the connect dialog, the fork's and join's take no event); the findings show no error, the fork
and join are bars; Simulate steps both branches to the end and the path shows both branches,
the join and the end. Screenshots go to test-artifacts/parallel-designer-*.png."""

from __future__ import annotations

from canvas_gestures import connect, drop, new_process, shoot
from playwright.sync_api import Page, expect

KEY = "parallel-designer-e2e-shipping"


def test_draw_a_fork_and_join_then_simulate_both_branches(
    designer_url: str, signed_in_page: Page
) -> None:
    page = signed_in_page
    new_process(page, designer_url, KEY, "Parallel shipping")
    for state_type, x, y in [("fork", 200, 150), ("wait", 300, 20), ("wait", 300, 300),
                             ("join", 560, 150), ("end", 680, 170)]:
        drop(page, state_type, x, y)
    expect(page.locator(".vue-flow__node")).to_have_count(6)

    connect(page, "start", "fork_1")
    connect(page, "fork_1", "wait_1")  # a fork's branches take no event: no question
    connect(page, "fork_1", "wait_2")
    connect(page, "wait_1", "join_1", "paid")
    connect(page, "wait_2", "join_1", "packed")
    connect(page, "join_1", "end_1")
    findings = page.get_by_test_id("findings")
    expect(page.get_by_test_id("error-count")).to_have_count(0)
    expect(findings.locator('[data-severity="error"]')).to_have_count(0)
    expect(page.get_by_test_id("publish")).to_be_enabled()
    # fork and join arrows take neither an event nor a guard: the panel offers neither
    expect(page.locator('[data-testid="properties"] input[data-field="on"]')).to_have_count(0)
    expect(page.locator('[data-testid="properties"] input[data-field="when"]')).to_have_count(0)
    for bar in ("fork_1", "join_1"):
        shape = page.locator(f'.vue-flow__node[data-id="{bar}"] .sw-node--bar .sw-shape')
        box = shape.bounding_box()
        assert box is not None and box["height"] > 4 * box["width"], f"{bar} is not a bar"
    shoot(page, "parallel-designer-1-drawn")

    page.get_by_test_id("simulate-open").click()
    page.get_by_test_id("sim-play").click()
    status = page.get_by_test_id("sim-status")
    expect(status).to_have_text("running in wait_1, wait_2")
    for branch in ("wait_1", "wait_2"):
        expect(page.locator(f'.vue-flow__node[data-id="{branch}"] .sw-node--current')
               ).to_have_count(1)
    expect(page.get_by_test_id("sim-choice-wait_1-paid")).to_have_text("wait_1 · paid")
    expect(page.get_by_test_id("sim-choice-wait_2-packed")).to_have_text("wait_2 · packed")
    taken = page.locator(".vue-flow__edge.sw-edge--taken")
    expect(taken).to_have_count(3)  # start → fork and both branches' first arrows
    shoot(page, "parallel-designer-2-both-branches")
    page.get_by_test_id("sim-choice-wait_1-paid").click()
    expect(status).to_have_text("running in wait_2")
    expect(page.get_by_test_id("sim-arrived")).to_have_text(
        "1 branch arrived at join_1, waiting for the others")
    expect(taken).to_have_count(4)
    shoot(page, "parallel-designer-3-one-arrived")
    page.get_by_test_id("sim-choice-packed").click()  # one branch left: no state in the name
    expect(status).to_have_text("completed in end_1")
    expect(page.get_by_test_id("sim-arrived")).to_have_count(0)
    expect(taken).to_have_count(6)
    # both branches, the join passed once, the end
    expect(page.get_by_test_id("sim-path")).to_have_text(
        "start → fork_1 → wait_1 → wait_2 → join_1 → end_1")
    shoot(page, "parallel-designer-4-ended")
