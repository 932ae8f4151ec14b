"""What the format tests share: the samples and a comparison of two graphs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shared.definition import Definition
from shared.loading import load_document, parse_definition

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "assets" / "samples").glob("*.json"))
FIXTURES = ROOT / "tests" / "fixtures" / "formats"


def sample(path: Path) -> Definition:
    return parse_definition(load_document(path))


def graph(document: dict[str, Any]) -> dict[str, Any]:
    """States with their types, and transitions with events, guards and defaults."""
    return {
        "states": sorted((s["id"], s["type"]) for s in document["states"]),
        "transitions": sorted(
            (t["from"], t["to"], t.get("on") or "", t.get("when") or "", bool(t.get("default")))
            for t in document["transitions"]),
    }


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE definitions [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">
  <bpmn:process id="p"><bpmn:startEvent id="s" name="&secret;"/></bpmn:process>
</bpmn:definitions>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<scxml xmlns="http://www.w3.org/2005/07/scxml"><state id="a" name="&lol3;"/></scxml>"""
