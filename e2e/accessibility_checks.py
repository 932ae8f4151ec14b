"""axe-core in the browser: run its WCAG 2.1 A/AA rules on the page as it is and say what
fails, so each accessibility test reads as a list of pages and one assertion."""

from __future__ import annotations

from typing import Any

from browser_settings import ROOT
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

AXE = ROOT / "assets/node_modules/axe-core/axe.min.js"
BLOCKING = ("serious", "critical")
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                          "best-practice"]},
    "resultTypes": ["violations"],
}


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical violations axe finds on `page` now."""
    if not AXE.is_file():
        raise AssertionError(f"{AXE} is missing: run `npm ci` in assets/ first")
    for attempt in range(3):
        try:
            if not page.evaluate("typeof window.axe !== 'undefined'"):
                page.add_script_tag(path=str(AXE))
            found = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
            break
        except PlaywrightError:  # the page replaced its URL or reloaded under us: once more
            if attempt == 2:
                raise
            page.wait_for_load_state("load")
            page.wait_for_timeout(1000)
    return [v for v in found["violations"] if v.get("impact") in BLOCKING]


def describe(violations: list[dict[str, Any]]) -> str:
    """One line per rule with the elements it failed on (first few), readable in a test log."""
    lines = []
    for violation in violations:
        targets = [node.get("html", "")[:160] for node in violation["nodes"][:4]]
        summary = violation["nodes"][0].get("failureSummary", "").replace("\n", " ")[:200]
        lines.append(f"  [{violation['impact']}] {violation['id']}: {violation['help']} "
                     f"on {targets} ({summary})")
    return "\n".join(lines)
