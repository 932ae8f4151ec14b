"""Designer gestures browser tests share: opening a new process, dropping states from the
palette, drawing an arrow from handle to handle (answering the connect dialog), and taking a
screenshot once the canvas has settled."""

from __future__ import annotations

import os
from pathlib import Path

from browser_settings import ARTIFACTS
from playwright.sync_api import Page, expect

SHOTS = Path(os.environ.get("STATEWRIGHT_SHOTS", "/tmp/shots-connect"))


def shoot(page: Page, name: str) -> None:
    """`name`.png in the test artifacts and in `STATEWRIGHT_SHOTS`, after a dialog's fade and
    the highlights drawn after a redraw."""
    page.wait_for_timeout(300)
    for folder in (ARTIFACTS, SHOTS):
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"))


def new_process(page: Page, designer_url: str, key: str, name: str | None = None) -> None:
    page.goto(designer_url + "/")
    page.get_by_test_id("new-process").click()
    page.locator('input[data-testid="new-key"]').fill(key)
    if name:
        page.locator('input[data-testid="new-name"]').fill(name)
    page.get_by_test_id("create-process").click()
    page.wait_for_url(f"**/designer/{key}")
    expect(page.locator('.vue-flow__node[data-id="start"]')).to_be_visible()


def drop(page: Page, state_type: str, x: float, y: float) -> None:
    """Drag a palette item onto the canvas at (x, y) of the pane."""
    page.locator(f'.sw-palette-item[data-state-type="{state_type}"]').drag_to(
        page.locator(".vue-flow__pane"), target_position={"x": x, "y": y}
    )


def centre(page: Page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not on screen"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def draw_arrow(page: Page, source: str, target: str) -> None:
    """Drag from the source state's output handle onto the target state's input handle."""
    page.mouse.move(*centre(page, f'.vue-flow__node[data-id="{source}"] .vue-flow__handle.source'))
    page.mouse.down()
    page.mouse.move(
        *centre(page, f'.vue-flow__node[data-id="{target}"] .vue-flow__handle.target'), steps=12
    )
    page.mouse.up()


def connect(page: Page, source: str, target: str, event: str | None = None) -> None:
    """Draw an arrow; with `event`, the connect dialog must ask and `event` is chosen, without
    it the arrow must be added at once. Either way the canvas shows one edge more."""
    edges = page.locator(".vue-flow__edge").count()
    draw_arrow(page, source, target)
    dialog = page.get_by_test_id("connect-dialog")
    if event is None:
        expect(page.locator(".vue-flow__edge")).to_have_count(edges + 1)
        expect(dialog).to_be_hidden()
        return
    expect(dialog).to_be_visible()
    offered = dialog.get_by_test_id(f"connect-event-{event}")
    if offered.count():
        offered.click()
    else:
        dialog.locator('input[data-testid="connect-event-name"]').fill(event)
        dialog.get_by_test_id("connect-event-ok").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(".vue-flow__edge")).to_have_count(edges + 1)
