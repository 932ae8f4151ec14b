"""A generated process of a given size for the designer's responsiveness check."""

from __future__ import annotations

from typing import Any


def large_process(size: int = 300, key: str = "large-process") -> dict[str, Any]:
    """`size` states: a start, a chain of tasks whose error paths loop back every 25 states
    and jump ahead every 10, and an end; task `s<size//2>` lacks its action (one error)."""
    middle = size // 2
    states: list[dict[str, Any]] = [{"id": "start", "type": "start"}]
    for i in range(1, size - 1):
        state: dict[str, Any] = {"id": f"s{i}", "type": "task", "action": f"step_{i}"}
        if i == middle:
            del state["action"]
        states.append(state)
    states.append({"id": "done", "type": "end"})
    transitions: list[dict[str, Any]] = [{"from": "start", "to": "s1"}]
    for i in range(1, size - 2):
        transitions.append({"from": f"s{i}", "to": f"s{i + 1}", "on": "done"})
        if i % 25 == 0:
            transitions.append({"from": f"s{i}", "to": f"s{i - 5}", "on": "error"})
        elif i % 10 == 0 and i + 3 < size - 1:
            transitions.append({"from": f"s{i}", "to": f"s{i + 3}", "on": "error"})
    transitions.append({"from": f"s{size - 2}", "to": "done", "on": "done"})
    return {
        "schema": "statewright/v1",
        "key": key,
        "name": "Large process",
        "states": states,
        "transitions": transitions,
    }
