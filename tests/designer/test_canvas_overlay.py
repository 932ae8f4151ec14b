"""The canvas overlay: numbers painted on the graph travel as one prop and can be cleared."""

from __future__ import annotations

import pytest
from nicegui import ui
from nicegui.testing import User

from designer.components.canvas import ProcessCanvas


@pytest.mark.anyio
async def test_overlay_is_sent_with_the_canvas_and_cleared_by_an_empty_call(user: User) -> None:
    @ui.page("/overlay")
    def page() -> None:
        canvas = ProcessCanvas(readonly=True)
        canvas.set_graph(
            [{"id": "a", "type": "start", "x": 0, "y": 0, "label": "A"},
             {"id": "b", "type": "end", "x": 200, "y": 0, "label": "B"}],
            [{"id": "t0", "source": "a", "target": "b", "label": ""}],
        )
        canvas.set_overlay({"b": {"badge": "3", "mark": "failed"}}, {"t0": {"width": 4}})
        ui.button("clear", on_click=lambda: canvas.set_overlay())

    await user.open("/overlay")
    canvas = next(iter(user.find(ProcessCanvas).elements))
    assert canvas.props["overlay"] == {
        "states": {"b": {"badge": "3", "mark": "failed"}},
        "transitions": {"t0": {"width": 4}},
    }
    user.find("clear").click()
    assert canvas.props["overlay"] == {"states": {}, "transitions": {}}
