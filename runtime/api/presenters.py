"""Engine values as API responses, with sensitive variables masked (SPEC §2: in every view)."""

from __future__ import annotations

from typing import Any

from runtime.api import models
from runtime.core.events import Event
from runtime.core.views import DefinitionVersion, Instance
from runtime.operations import incident_reason
from shared.sensitivity import masked
from shared.sensitivity import sensitive_names as derived_sensitive


def sensitive_names(engine: Any, key: str, version: int) -> frozenset[str]:
    """Declared sensitive variables and those a `set` derives from one (`shared.sensitivity`)."""
    return derived_sensitive(engine.definition(key, version))


def instance(engine: Any, inst: Instance) -> models.Instance:
    names = sensitive_names(engine, inst.definition, inst.version)
    return models.Instance(
        id=inst.id,
        definition=inst.definition,
        version=inst.version,
        state=inst.state,
        status=inst.status,
        variables=masked(inst.variables, names),
        business_key=inst.business_key,
        parent_id=inst.parent_id,
        started_by=inst.started_by,
        created_at=inst.created_at,
        updated_at=inst.updated_at,
        incident=incident_reason(engine, inst.id) if inst.status == "incident" else None,
    )


def history(engine: Any, inst: Instance, events: list[Event]) -> models.InstanceHistory:
    names = sensitive_names(engine, inst.definition, inst.version)
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
