"""The properties panel offers registered actions and known roles."""

from __future__ import annotations

import pytest
from nicegui import ElementFilter
from nicegui.testing import User

from designer import catalog, drafts
from designer.components.canvas import ProcessCanvas
from designer.draft import new_document
from runtime import Engine
from runtime.security.identity import BUILTIN_ROLES


def test_known_roles_are_the_builtins_plus_roles_published_processes_use(engine: Engine) -> None:
    document = new_document("leave-request")
    document["states"] += [
        {"id": "approve", "type": "human", "role": "team-lead", "escalate_to": "hr"},
        {"id": "done", "type": "end"},
    ]
    document["transitions"] += [
        {"from": "start", "to": "approve"},
        {"from": "approve", "to": "done", "on": "submit"},
    ]
    engine.publish(document, actor="ana")
    roles = catalog.known_roles(engine)
    assert {"team-lead", "hr", *BUILTIN_ROLES} == set(roles)
    assert roles == sorted(roles)


@pytest.mark.anyio
async def test_a_task_offers_registered_actions_and_reads_human_durations(
    user: User, engine: Engine
) -> None:
    engine.action("send_payment")(lambda ctx: {})
    await user.open("/")
    user.find(marker="new-process").click()
    user.find(marker="new-key").type("expense-claim")
    user.find(marker="create-process").click()
    await user.should_see("Findings")
    user.find(kind=ProcessCanvas).trigger("dropped", {"type": "task", "x": 200, "y": 0})
    with user.client:
        action = next(iter(ElementFilter(marker="field-action")))
        assert "send_payment" in action.props["_autocomplete"]
    user.find(marker="field-timeout_s").type("2 weeks")
    assert "timeout_s" not in drafts.load(engine, "expense-claim")["states"][1]
    user.find(marker="field-timeout_s").clear().type("2h 30m")
    assert drafts.load(engine, "expense-claim")["states"][1]["timeout_s"] == 9000
