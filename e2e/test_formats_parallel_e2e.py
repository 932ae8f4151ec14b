"""An analyst imports a Camunda Modeler diagram with a parallel split and join: the import
dialog opens it straight in the designer (nothing failed to map), the gateways are a fork and
a join on the canvas with a branch to each task, and the draft downloads as BPMN with its
parallel gateways, as SCXML with a `<parallel>` and as Mermaid with fork/join bars. Nested
forks, which the SCXML export cannot hold, are refused by name. Screenshots go to
test-artifacts/."""

from __future__ import annotations

import json
from pathlib import Path

from browser_settings import ARTIFACTS, ROOT
from playwright.sync_api import Page, expect

from tests.parallel_processes import nested

FIXTURE = ROOT / "tests" / "fixtures" / "formats" / "camunda-parallel.bpmn"
KEY = "formats-parallel-e2e-fulfilment"  # unique to this file: the server database is shared


def test_a_camunda_parallel_split_and_join_open_as_fork_and_join(
    designer_url: str, signed_in_page: Page, tmp_path: Path
):
    page = signed_in_page
    upload = tmp_path / "fulfilment.bpmn"
    upload.write_text(FIXTURE.read_text().replace('name="Parallel fulfilment"',
                                                  'name="Formats parallel e2e fulfilment"'))
    page.goto(designer_url + "/")
    page.get_by_test_id("import-process").click()
    page.locator('[data-testid="import-upload"] input[type="file"]').set_input_files(upload)
    page.wait_for_url(f"**/designer/{KEY}")  # every element mapped: no notes to read first

    fork = page.locator('.vue-flow__node[data-id="Gateway_Split"]')
    join = page.locator('.vue-flow__node[data-id="Gateway_Join"]')
    expect(fork).to_contain_text("Split order")
    expect(join).to_contain_text("All done")
    for task in ("Activity_Pack", "Activity_Invoice", "Activity_Credit", "Activity_Ship"):
        expect(page.locator(f'.vue-flow__node[data-id="{task}"]')).to_be_visible()
    expect(page.locator(".vue-flow__edge")).to_have_count(9)
    expect(page.get_by_test_id("findings")).not_to_contain_text("unbalanced_fork")
    expect(page.get_by_test_id("findings")).not_to_contain_text("join_without_fork")
    page.wait_for_timeout(300)  # the canvas fits the view
    page.screenshot(path=str(ARTIFACTS / "formats-parallel-imported.png"))

    draft = json.loads(download(page, "json"))
    types = {s["id"]: s["type"] for s in draft["states"]}
    assert (types["Gateway_Split"], types["Gateway_Join"]) == ("fork", "join")
    assert download(page, "bpmn").count("<bpmn:parallelGateway") == 2
    assert '<parallel id="Gateway_Split">' in download(page, "scxml")
    assert "state Gateway_Join <<join>>" in download(page, "mermaid")

    page.emulate_media(color_scheme="dark")
    page.reload()
    expect(page.locator('.vue-flow__node[data-id="Gateway_Join"]')).to_contain_text("All done")
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "formats-parallel-dark.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "formats-parallel-phone-dark.png"))

def download(page: Page, kind: str) -> str:
    """The draft as the designer's download menu writes it in `kind`."""
    page.get_by_test_id("export-menu").click()
    with page.expect_download() as started:
        page.get_by_test_id(f"export-{kind}").click()
    return Path(started.value.path()).read_text()


def test_a_fork_scxml_cannot_hold_is_refused_by_name_in_the_designer(
    designer_url: str, signed_in_page: Page, tmp_path: Path
):
    page = signed_in_page
    document = nested()
    document["key"] = "formats-parallel-e2e-nested"
    upload = tmp_path / "nested.json"
    upload.write_text(json.dumps(document))
    page.goto(designer_url + "/")
    page.get_by_test_id("import-process").click()
    page.locator('[data-testid="import-upload"] input[type="file"]').set_input_files(upload)
    page.wait_for_url("**/designer/formats-parallel-e2e-nested")
    expect(page.locator('.vue-flow__node[data-id="inner"]')).to_be_attached()
    page.get_by_test_id("export-menu").click()
    page.get_by_test_id("export-scxml").click()
    expect(page.locator(".q-notification")).to_contain_text(
        "fork 'outer' cannot be written as an SCXML <parallel>: a branch reaches the fork "
        "'inner' before a join")
    expect(page.locator(".q-menu")).to_be_hidden()
    page.wait_for_timeout(400)  # the notification's slide-in
    page.screenshot(path=str(ARTIFACTS / "formats-parallel-scxml-refused.png"))
    assert download(page, "bpmn").count("<bpmn:parallelGateway") == 4  # BPMN holds any fork
