"""How long `shared.validation.validate` takes on a large generated, realistic definition.

The definition repeats a claims-handling segment (task, decision, human review, wait, timer,
repair task) with loops back for rework, guards and `set` assignments, so every check and
every expression compile is exercised; the result is valid, as a published process would be.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from shared.definition import Definition
from shared.guards import clear_caches, compile_expression
from shared.loading import parse_definition
from shared.validation import validate

STATES_PER_SEGMENT = 6


def generate_document(states: int = 3000) -> dict[str, Any]:
    """A valid definition document with about `states` states (4 + 6 per segment)."""
    segments = max(1, (states - 4) // STATES_PER_SEGMENT)
    body: list[dict[str, Any]] = [{"id": "received", "type": "start"}]
    edges: list[dict[str, Any]] = [{"from": "received", "to": "task_0"}]
    for i in range(segments):
        following = f"task_{i + 1}" if i + 1 < segments else "completed"
        body += [
            {"id": f"task_{i}", "type": "task", "action": f"step_{i % 25}", "timeout_s": 30},
            {"id": f"route_{i}", "type": "decision"},
            {"id": f"review_{i}", "type": "human", "role": f"team-{i % 7}", "sla_s": 86400,
             "form": [{"name": f"note_{i % 11}", "type": "string"}]},
            {"id": f"wait_{i}", "type": "wait", "timeout_s": 3600, "correlate": "case_id"},
            {"id": f"cool_{i}", "type": "timer", "duration_s": 60},
            {"id": f"repair_{i}", "type": "human", "role": "operations", "sla_s": 3600},
        ]  # fmt: skip
        edges += [
            {"from": f"task_{i}", "to": f"route_{i}", "on": "done",
             "set": {"attempts": "attempts + 1"}},
            {"from": f"task_{i}", "to": f"repair_{i}", "on": "error"},
            {"from": f"route_{i}", "to": f"review_{i}",
             "when": f"amount > {i * 10}.0 && !fast_track"},
            {"from": f"route_{i}", "to": f"wait_{i}", "when": 'risk == "high" || event.retry'},
            {"from": f"route_{i}", "to": f"cool_{i}", "default": True},
            {"from": f"review_{i}", "to": following, "on": "approve"},
            {"from": f"review_{i}", "to": f"task_{i}", "on": "rework",
             "when": f"attempts < {3 + i % 4}"},
            {"from": f"review_{i}", "to": "rejected", "on": "reject"},
            {"from": f"wait_{i}", "to": f"review_{i}", "on": "reply"},
            {"from": f"wait_{i}", "to": f"repair_{i}", "on": "timeout"},
            {"from": f"cool_{i}", "to": following, "on": "elapsed"},
            {"from": f"repair_{i}", "to": f"task_{i}", "on": "retry"},
            {"from": f"repair_{i}", "to": "failed", "on": "abandon"},
        ]  # fmt: skip
    body += [
        {"id": "completed", "type": "end"},
        {"id": "rejected", "type": "end", "outcome": "failed"},
        {"id": "failed", "type": "end", "outcome": "failed"},
    ]
    variables = [
        {"name": "amount", "type": "number"},
        {"name": "risk", "type": "string"},
        {"name": "fast_track", "type": "boolean"},
        {"name": "attempts", "type": "integer", "default": 0},
        {"name": "case_id", "type": "string"},
    ]
    return {
        "key": f"generated-{states}",
        "variables": variables,
        "states": body,
        "transitions": edges,
    }


def run(states: int = 3000, repeat: int = 7) -> dict[str, Any]:
    """Time validation of a generated definition; prints and returns the numbers (seconds)."""
    document = generate_document(states)
    started = time.perf_counter()
    definition: Definition = parse_definition(document)
    parse_s = time.perf_counter() - started
    compile_expression("true")  # loads the CEL module, which is not part of validating
    clear_caches()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        report = validate(definition)
        timings.append(time.perf_counter() - started)
    result = {
        "states": len(definition.states),
        "transitions": len(definition.transitions),
        "findings": len(report.findings),
        "parse_s": round(parse_s, 4),
        "first_s": round(timings[0], 4),
        "best_s": round(min(timings), 4),
        "median_s": round(statistics.median(timings), 4),
        "runs": repeat,
    }
    print(
        f"validate: {result['states']} states, {result['transitions']} transitions, "
        f"{result['findings']} findings; model parse {result['parse_s'] * 1000:.1f} ms; "
        f"first run {result['first_s'] * 1000:.1f} ms (cold expression cache), "
        f"best {result['best_s'] * 1000:.1f} ms, median {result['median_s'] * 1000:.1f} ms "
        f"over {repeat} runs"
    )
    return result
