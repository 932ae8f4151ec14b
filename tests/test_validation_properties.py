"""Whatever an analyst (or a fuzzer) draws, the validator answers with findings, never a crash,
and its reachability and trap findings agree with plain graph theory."""

import copy
import json
from pathlib import Path
from typing import Any

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.validation import validate

SAMPLE = json.loads(
    (Path(__file__).parents[1] / "assets" / "samples" / "loan-approval.json").read_text()
)
STATE_TYPES = ["task", "human", "wait", "timer", "decision", "subprocess", "end"]
EVENTS = [None, "done", "error", "elapsed", "timeout", "approve"]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def process_graphs(draw: st.DrawFn) -> dict[str, Any]:
    """A random process: state 0 is the start, the others of any type, random edges."""
    size = draw(st.integers(min_value=1, max_value=12))
    types = ["start", *draw(st.lists(st.sampled_from(STATE_TYPES), min_size=size, max_size=size))]
    states = [{"id": f"s{i}", "type": kind} for i, kind in enumerate(types)]
    edge = st.tuples(
        st.integers(0, size), st.integers(0, size), st.sampled_from(EVENTS), st.booleans()
    )
    transitions = []
    for source, target, event, guarded in draw(st.lists(edge, max_size=30)):
        t: dict[str, Any] = {"from": f"s{source}", "to": f"s{target}"}
        if event:
            t["on"] = event
        if guarded:
            t["when"] = "amount > 1.0"
        transitions.append(t)
    return {"key": "random", "states": states, "transitions": transitions}


def graph_of(doc: dict[str, Any]) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(s["id"] for s in doc["states"])
    graph.add_edges_from((t["from"], t["to"]) for t in doc["transitions"])
    return graph


def states_with(code: str, doc: Any) -> set[str]:
    return {s for f in validate(doc).findings if f.code == code for s in f.states}


@SETTINGS
@given(process_graphs())
def test_unreachable_states_are_exactly_those_the_start_cannot_reach(doc):
    reachable = nx.descendants(graph_of(doc), "s0") | {"s0"}
    expected = {s["id"] for s in doc["states"]} - reachable
    assert states_with("unreachable", doc) == expected


@SETTINGS
@given(process_graphs())
def test_every_state_without_a_way_out_truly_cannot_reach_an_end(doc):
    graph = graph_of(doc)
    ends = {s["id"] for s in doc["states"] if s["type"] == "end"}
    for trapped in states_with("no-way-out", doc):
        assert not (nx.descendants(graph, trapped) | {trapped}) & ends


@SETTINGS
@given(process_graphs())
def test_a_state_that_can_reach_neither_an_end_nor_a_dead_end_is_reported(doc):
    graph = graph_of(doc)
    ends = {s["id"] for s in doc["states"] if s["type"] == "end"}
    dead = {n for n in graph if graph.out_degree(n) == 0} - ends
    report = validate(doc)
    trapped = {s for f in report.findings if f.code == "no-way-out" for s in f.states}
    for node in graph:
        if not (nx.descendants(graph, node) | {node}) & (ends | dead):
            assert node in trapped


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)


@SETTINGS
@given(json_values)
def test_any_json_value_gives_findings_not_an_exception(value):
    report = validate(value)
    assert not report.ok  # at best a valid but empty process, which has no start
    if not (isinstance(value, dict) and isinstance(value.get("key"), str)):
        assert report.codes() == {"schema"}
    json.dumps(report.to_json())


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(node, dict):
        for key, child in node.items():
            found += paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += paths(child, (*prefix, index))
    return found


SAMPLE_PATHS = paths(SAMPLE)[1:]


@SETTINGS
@given(st.sampled_from(SAMPLE_PATHS), json_values | st.text())
def test_a_sample_with_any_one_value_replaced_still_gets_a_report(path, value):
    doc = copy.deepcopy(SAMPLE)
    node = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    report = validate(doc)
    json.dumps(report.to_json())
    for finding in report.findings:
        assert finding.message and finding.severity in {"error", "warning"}
