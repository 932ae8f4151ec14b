"""Graphs readable everywhere (#19): the 12-state loan sample opens at a zoom where node text
is readable, laid out by ELK with routed edges, a minimap and edges that are easy to click;
a forked instance lights up every branch; the designer header tells the truth about drafts
and saving; connecting two states asks for the event. Screenshots go to
test-artifacts/graphs-*.png at 1440x900 and 390x844, light and dark."""

from __future__ import annotations

import httpx
import pytest
from browser_settings import ARTIFACTS
from playwright.sync_api import Page, expect
from statewright_cli import new_admin_token

from tests.parallel_processes import many_waits

WIDTHS = {"wide": (1440, 900), "phone": (390, 844)}
READABLE_PX = 12

# The smallest on-screen font size of the node labels in view: CSS size times the zoom, read
# from the labels' bounding boxes against their unscaled height.
SMALLEST_LABEL_PX = """() => {
  const view = document.querySelector('.vue-flow').getBoundingClientRect();
  const sizes = [...document.querySelectorAll('.vue-flow__node .sw-label')]
    .filter((el) => { const r = el.getBoundingClientRect();
      return r.right > view.left && r.left < view.right
        && r.bottom > view.top && r.top < view.bottom; })
    .map((el) => parseFloat(getComputedStyle(el).fontSize)
      * el.getBoundingClientRect().height / el.offsetHeight);
  return sizes.length ? Math.min(...sizes) : 0;
}"""


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"graphs-{name}.png"))


def shoot_both_themes(page: Page, name: str) -> None:
    shoot(page, name)
    page.emulate_media(color_scheme="dark")
    page.wait_for_timeout(300)
    shoot(page, f"{name}-dark")
    page.emulate_media(color_scheme="light")


@pytest.fixture(scope="module")
def api(designer_url: str, server_db: str) -> httpx.Client:
    token = new_admin_token(server_db, "graphs-e2e")
    return httpx.Client(base_url=f"{designer_url}/api/v1", timeout=15,
                        headers={"Authorization": f"Bearer {token}"})


def wait_for_layout(page: Page) -> None:
    """The canvas is shown once ELK has routed the edges (routed paths carry data-routed)."""
    expect(page.locator(".vue-flow__minimap")).to_be_attached(timeout=20_000)
    page.wait_for_function(
        "() => document.querySelectorAll('.vue-flow__edge-path[data-routed=\"elk\"]').length > 0",
        timeout=20_000)
    page.wait_for_timeout(300)


def assert_readable(page: Page) -> None:
    smallest = page.evaluate(SMALLEST_LABEL_PX)
    assert smallest >= READABLE_PX, f"node labels are {smallest:.1f} px on screen"


@pytest.mark.parametrize("width", WIDTHS)
def test_graphs_the_loan_sample_opens_readable_in_the_designer(
    designer_url: str, signed_in_page: Page, width: str
) -> None:
    page = signed_in_page
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    page.goto(designer_url + "/designer/loan-approval")
    wait_for_layout(page)
    assert_readable(page)
    expect(page.locator('.vue-flow__node[data-id="received"]')).to_be_in_viewport()
    expect(page.locator(".vue-flow__minimap-node")).to_have_count(12)
    routed = page.locator('.vue-flow__edge-path[data-routed="elk"]').count()
    assert routed == page.locator(".vue-flow__edge").count()
    shoot_both_themes(page, f"designer-loan-{width}")


# A point well inside each edge's path (60% along it), in page coordinates.
EDGE_POINTS = """() => [...document.querySelectorAll('.vue-flow__edge')].map((edge) => {
  const path = edge.querySelector('.vue-flow__edge-path');
  const at = path.getPointAtLength(path.getTotalLength() * 0.6);
  const screen = new DOMPoint(at.x, at.y).matrixTransform(path.getScreenCTM());
  return { id: edge.dataset.id, x: screen.x, y: screen.y };
})"""


# The drawn size of an edge's arrow head in graph units: a marker sized in stroke widths grows
# with the (thicker) stroke of a selected edge.
ARROW_HEADS = """() => {
  const size = (edge) => {
    const path = edge.querySelector('.vue-flow__edge-path');
    const id = path.getAttribute('marker-end').replace(/^url\\(['"]?#|['"]?\\)$/g, '');
    const marker = [...document.querySelectorAll('marker')].find((m) => m.id === id);
    const scale = marker.getAttribute('markerUnits') === 'userSpaceOnUse' ? 1
      : parseFloat(getComputedStyle(path).strokeWidth);
    return parseFloat(marker.getAttribute('markerWidth')) * scale;
  };
  return { selected: size(document.querySelector('.vue-flow__edge.selected')),
           other: size(document.querySelector('.vue-flow__edge:not(.selected)')) };
}"""


def test_graphs_clicking_an_edge_selects_that_edge(designer_url: str, signed_in_page: Page) -> None:
    page = signed_in_page
    page.goto(designer_url + "/designer/loan-approval")
    wait_for_layout(page)
    page.locator(".vue-flow__controls-zoomout").click(click_count=2)  # more edges in view
    page.wait_for_timeout(500)
    canvas = page.locator(".vue-flow__pane").bounding_box()
    assert canvas is not None
    tried = 0
    for point in page.evaluate(EDGE_POINTS):
        inside = (canvas["x"] + 10 < point["x"] < canvas["x"] + canvas["width"] - 220
                  and canvas["y"] + 10 < point["y"] < canvas["y"] + canvas["height"] - 170)
        hit = page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y)?.closest('.vue-flow__edge')?.dataset.id",
            [point["x"], point["y"]])
        if not inside or hit is None:  # off screen, or under a label or a state
            continue
        page.mouse.click(point["x"], point["y"])
        expect(page.locator(".vue-flow__edge.selected")).to_have_attribute("data-id", point["id"])
        tried += 1
    assert tried >= 3, f"only {tried} edges could be clicked"
    shoot(page, "edge-selected")
    heads = page.evaluate(ARROW_HEADS)
    assert heads["selected"] <= heads["other"] * 1.25, f"the selected edge's arrow head: {heads}"


def test_graphs_arrange_keeps_the_graph_readable(designer_url: str, signed_in_page: Page) -> None:
    page = signed_in_page
    page.goto(designer_url + "/designer/purchase-order")
    wait_for_layout(page)
    page.locator(".vue-flow__controls-zoomout").click(click_count=4)
    page.get_by_test_id("arrange").click()
    page.wait_for_timeout(800)
    assert_readable(page)
    routed = page.locator('.vue-flow__edge-path[data-routed="elk"]').count()
    assert routed == page.locator(".vue-flow__edge").count()
    shoot(page, "arranged")


def test_graphs_a_forked_instance_lights_up_every_branch(
    designer_url: str, signed_in_page: Page, api: httpx.Client
) -> None:
    document = many_waits(2)
    assert api.post("/definitions", json=document).status_code in (200, 201)
    answer = api.post("/instances", json={"definition": document["key"], "variables": {}})
    assert answer.status_code == 201, answer.text
    instance_id = answer.json()["id"]
    page = signed_in_page
    for width, size in WIDTHS.items():
        page.set_viewport_size(dict(zip(("width", "height"), size, strict=True)))
        page.goto(f"{designer_url}/instances/{instance_id}")
        wait_for_layout(page)
        for branch in ("w0", "w1"):
            expect(page.locator(f'.vue-flow__node[data-id="{branch}"] .sw-node--current')
                   ).to_have_count(1)
        expect(page.locator(".sw-node--current")).to_have_count(2)
        expect(page.get_by_test_id("instance-state")).to_have_text("in w0, w1")
        expect(page.locator('.vue-flow__node[data-id="split"] .sw-node--bar')).to_have_count(1)
        shoot_both_themes(page, f"instance-forked-{width}")
        # on a phone the minimap would cover a third of the graph: the whole canvas is the graph
        if width == "phone":
            expect(page.locator(".vue-flow__minimap")).to_be_hidden()
        else:
            expect(page.locator(".vue-flow__minimap")).to_be_visible()
        if width == "wide":  # the instance page's phone layout is another change's (#19)
            assert_readable(page)


def test_graphs_publish_leaves_no_draft_behind(designer_url: str, signed_in_page: Page) -> None:
    page = signed_in_page
    page.goto(designer_url + "/designer/employee-onboarding")
    wait_for_layout(page)
    expect(page.get_by_test_id("save-status")).to_have_text("Saved")
    page.get_by_test_id("arrange").click()
    expect(page.get_by_test_id("save-status")).to_have_text("Saved")
    page.get_by_label("Name", exact=True).fill("Employee onboarding, revised")
    expect(page.get_by_test_id("save-status")).to_have_text("Saved")
    page.reload()
    wait_for_layout(page)
    expect(page.get_by_text("discard draft")).to_have_count(1)
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("published-version")).to_have_text("Published version 2")
    expect(page.get_by_text("latest published v2")).to_be_visible()
    expect(page.get_by_text("discard draft")).to_have_count(0)
    shoot(page, "published")
    page.reload()
    wait_for_layout(page)
    expect(page.get_by_text("latest published v2")).to_be_visible()
    expect(page.get_by_text("discard draft")).to_have_count(0)
    expect(page.get_by_test_id("save-status")).to_have_text("Saved")
    page.goto(designer_url + "/processes")  # published, no draft: the Draft cell says so
    row = page.get_by_test_id("process-table").locator("tr", has_text="employee-onboarding")
    expect(row.locator("td").nth(5)).to_have_text("none")
