"""Engine values as API responses, masked for the caller by classification (docs/security.md):
restricted (sensitive) variables for everyone, confidential ones for callers without the
`variables.confidential` permission."""

from __future__ import annotations

from typing import Any

from runtime.api import models
from runtime.core.events import Event
from runtime.core.views import DefinitionVersion, Instance
from runtime.operations import incident_reason
from runtime.security.identity import Principal
from shared.classification import CONFIDENTIAL, hidden_names
from shared.sensitivity import masked


def masked_names(engine: Any, key: str, version: int, viewer: Principal) -> frozenset[str]:
    """The variables `viewer` sees masked in instances of this version (`shared.classification`)."""
    return hidden_names(engine.definition(key, version), viewer.can(CONFIDENTIAL))


def instance(engine: Any, inst: Instance, viewer: Principal) -> models.Instance:
    names = masked_names(engine, inst.definition, inst.version, viewer)
    return models.Instance(
        id=inst.id,
        definition=inst.definition,
        version=inst.version,
        state=inst.state,
        status=inst.status,
        active_states=list(inst.active_states),
        variables=masked(inst.variables, names),
        business_key=inst.business_key,
        parent_id=inst.parent_id,
        started_by=inst.started_by,
        created_at=inst.created_at,
        updated_at=inst.updated_at,
        incident=incident_reason(engine, inst.id) if inst.status == "incident" else None,
    )


def history(engine: Any, inst: Instance, events: list[Event],
            viewer: Principal) -> models.InstanceHistory:
    names = masked_names(engine, inst.definition, inst.version, viewer)
    return models.InstanceHistory(
        instance_id=inst.id,
        events=[
            models.HistoryEvent(
                seq=e.seq, type=e.type, data=masked(e.data, names), actor=e.actor, at=e.at,
                hash=e.hash,
            )
            for e in events
        ],
    )


def version(v: DefinitionVersion) -> models.DefinitionVersion:
    return models.DefinitionVersion(
        key=v.key,
        version=v.version,
        name=v.name,
        content_hash=v.content_hash,
        published_at=v.published_at,
        definition=v.document,
    )
