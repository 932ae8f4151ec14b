"""A 300-state process opens, validates and stays responsive in Chromium.

Prints time to interactive and time from an edit to the findings shown (log lines, not
asserts: timings depend on the machine). Run with `pytest e2e -s` to see them.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from large_process import large_process
from playwright.sync_api import Page, expect

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
SIZE = 300


def test_a_300_state_process_opens_and_answers_edits(
    designer_url: str, signed_in_page: Page, tmp_path: Path
) -> None:
    page = signed_in_page
    upload = tmp_path / "large-process.json"
    upload.write_text(json.dumps(large_process(SIZE)))
    page.goto(designer_url + "/")
    page.get_by_test_id("import-process").click()
    started = time.perf_counter()
    page.locator('[data-testid="import-upload"] input[type="file"]').set_input_files(upload)
    page.wait_for_url("**/designer/large-process")
    expect(page.locator(".vue-flow__node")).to_have_count(SIZE, timeout=60_000)
    findings = page.get_by_test_id("findings")
    expect(findings.locator('[data-code="missing-action"]')).to_be_visible(timeout=60_000)
    interactive = time.perf_counter() - started
    print(f"\n[large-process] {SIZE} states: import to interactive {interactive:.2f} s")

    started = time.perf_counter()
    page.reload()
    expect(page.locator(".vue-flow__node")).to_have_count(SIZE, timeout=60_000)
    expect(findings.locator('[data-code="missing-action"]')).to_be_visible(timeout=60_000)
    print(f"[large-process] reload to interactive {time.perf_counter() - started:.2f} s")

    findings.locator('[data-code="missing-action"]').click()
    action = page.locator('[data-testid="properties"] input[data-field="action"]')
    expect(action).to_be_visible()
    started = time.perf_counter()
    action.fill("step_middle")
    expect(findings.locator('[data-code="missing-action"]')).to_have_count(0, timeout=60_000)
    print(f"[large-process] edit to findings shown {time.perf_counter() - started:.2f} s")

    started = time.perf_counter()
    page.get_by_test_id("arrange").click()
    page.wait_for_timeout(100)
    expect(page.locator(".vue-flow__node")).to_have_count(SIZE)
    print(f"[large-process] arrange round trip {time.perf_counter() - started:.2f} s")
    page.screenshot(path=str(ARTIFACTS / "designer-9-large-process.png"))
