"""The properties panel offers registered actions and known roles."""

from __future__ import annotations

from designer import catalog
from designer.draft import new_document
from runtime import Engine
from runtime.identity import BUILTIN_ROLES


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
