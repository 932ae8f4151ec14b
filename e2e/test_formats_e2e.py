"""An analyst imports diagrams drawn in Camunda Modeler: what did not map, or mapped with a
difference, is listed by element id before the draft opens in the designer; the draft then
downloads as BPMN again. Screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path

from browser_settings import ARTIFACTS, ROOT
from playwright.sync_api import Page, expect

FIXTURES = ROOT / "tests" / "fixtures" / "formats"


def import_file(page: Page, url: str, path: Path) -> None:
    page.goto(url + "/")
    page.get_by_test_id("import-process").click()
    page.locator('[data-testid="import-upload"] input[type="file"]').set_input_files(path)


def test_a_camunda_diagram_opens_in_the_designer_and_downloads_as_bpmn(
    designer_url: str, signed_in_page: Page
):
    page = signed_in_page
    import_file(page, designer_url, FIXTURES / "camunda7-approval.bpmn")
    expect(page.get_by_test_id("import-notes")).to_contain_text(
        "approve_sla: the timer becomes the human task's SLA")
    page.get_by_test_id("open-imported").click()
    page.wait_for_url("**/designer/order-approval")
    for state_id in ("start", "approve", "approved_gw", "book", "await_delivery", "done"):
        expect(page.locator(f'.vue-flow__node[data-id="{state_id}"]')).to_be_visible()
    expect(page.locator(".vue-flow__edge")).to_have_count(8)
    page.screenshot(path=str(ARTIFACTS / "formats-imported-bpmn.png"))
    page.get_by_test_id("export-menu").click()
    with page.expect_download() as download:
        page.get_by_test_id("export-bpmn").click()
    assert download.value.suggested_filename == "order-approval.bpmn"
    assert "bpmndi:BPMNShape" in Path(download.value.path()).read_text()


def test_unmapped_elements_are_listed_before_the_draft_opens(
    designer_url: str, signed_in_page: Page
):
    page = signed_in_page
    import_file(page, designer_url, FIXTURES / "camunda-claim.bpmn")
    notes = page.get_by_test_id("import-notes")
    expect(notes).to_contain_text("Flow_Escalate: the path after a human task's timer")
    page.screenshot(path=str(ARTIFACTS / "formats-import-notes.png"))
    page.get_by_test_id("open-imported").click()
    page.wait_for_url("**/designer/claim-handling")
    expect(page.locator('.vue-flow__node[data-id="Activity_Review"]')).to_be_visible()
    expect(page.get_by_test_id("findings")).to_contain_text("unreachable")
    page.screenshot(path=str(ARTIFACTS / "formats-imported-claim.png"))
