"""What-if against the store: the recorded instances of a published definition's current
version (the last N, or those started since a date) replayed against a draft."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from runtime.core.events import Event
from runtime.core.views import DefinitionVersion, InstancePage
from runtime.definitions import checked_definition
from runtime.modelling.replay import recording_of, replay, summary
from shared.definition import Definition

DEFAULT_LAST = 100
_PAGE = 500


class Histories(Protocol):
    """What the replay reads (the `Engine` has it all)."""

    def version(self, key: str, version: int | None = None) -> DefinitionVersion: ...
    def definition(self, key: str, version: int) -> Definition: ...
    def list_instances(self, definition: str | None = None, status: str | None = None,
                       state: str | None = None, business_key: str | None = None,
                       version: int | None = None, limit: int = 50, offset: int = 0
                       ) -> InstancePage: ...
    def history(self, instance_id: str) -> list[Event]: ...


def whatif(source: Histories, draft: dict[str, Any] | Definition, against: str,
           last: int | None = DEFAULT_LAST, since: datetime | None = None) -> dict[str, Any]:
    """Replay the instances of `against`'s latest version against `draft` (validated first:
    `DefinitionInvalid` lists its errors); the result is `replay.summary` plus which
    version was replayed."""
    target = checked_definition(draft)
    current = source.version(against)
    recorded = source.definition(against, current.version)
    verdicts = [replay(target, recording_of(log, recorded))
                for log in _logs(source, against, current.version, last, since) if log]
    return {"against": against, "version": current.version, **summary(verdicts)}


def _logs(source: Histories, key: str, version: int, last: int | None,
          since: datetime | None) -> list[list[Event]]:
    """Newest first: the last `last` instances, or all started at or after `since`."""
    picked: list[str] = []
    offset = 0
    while True:
        page = source.list_instances(definition=key, version=version, limit=_PAGE, offset=offset)
        for item in page.items:
            if since is not None and item.created_at is not None and item.created_at < since:
                return [source.history(i) for i in picked]
            picked.append(item.id)
            if since is None and last is not None and len(picked) >= last:
                return [source.history(i) for i in picked]
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return [source.history(i) for i in picked]
