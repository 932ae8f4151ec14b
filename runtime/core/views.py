"""The read models the engine returns: plain values with `to_json` for the REST layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from runtime.core.clock import from_db
from runtime.core.snapshot import Branch, Snapshot


@dataclass(frozen=True)
class Instance:
    id: str
    definition: str
    version: int
    state: str | None
    status: str
    variables: dict[str, Any]
    business_key: str | None = None
    parent_id: str | None = None
    started_by: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    last_seq: int = 0
    # Where its parallel branches are; just `[state]` when it runs none.
    active_states: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.active_states and self.state is not None:
            object.__setattr__(self, "active_states", [self.state])

    @classmethod
    def from_row(cls, row: Any) -> Instance:
        branches = tuple(Branch.from_json(b) for b in getattr(row, "branches", None) or ())
        active = Snapshot(row.id, row.definition_key, row.version, row.state,
                          branches=branches).active_states if branches else []
        return cls(
            id=row.id, definition=row.definition_key, version=row.version, state=row.state,
            status=row.status, variables=dict(row.variables or {}),
            business_key=row.business_key, parent_id=row.parent_id, started_by=row.started_by,
            created_at=from_db(row.created_at), updated_at=from_db(row.updated_at),
            last_seq=row.last_seq, active_states=active,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "definition": self.definition, "version": self.version,
            "state": self.state, "status": self.status, "variables": self.variables,
            "business_key": self.business_key, "parent_id": self.parent_id,
            "started_by": self.started_by,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "last_seq": self.last_seq, "active_states": list(self.active_states),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Instance:
        times = {k: datetime.fromisoformat(data[k]) if data.get(k) else None
                 for k in ("created_at", "updated_at")}
        return cls(**{**data, **times})


@dataclass(frozen=True)
class InstancePage:
    items: list[Instance]
    total: int
    limit: int
    offset: int


class PublishedVersion(int):
    """A version number (compares as the int) that also tells what was published.

    `existed` is True when identical content (ignoring layout) was already that version.
    """

    key: str
    content_hash: str
    existed: bool

    def __new__(cls, version: int, key: str, content_hash: str, existed: bool) -> PublishedVersion:
        obj = super().__new__(cls, version)
        obj.key, obj.content_hash, obj.existed = key, content_hash, existed
        return obj

    @property
    def version(self) -> int:
        return int(self)


@dataclass(frozen=True)
class DefinitionVersion:
    key: str
    version: int
    name: str | None
    content_hash: str
    published_at: datetime | None
    published_by: str | None
    document: dict[str, Any]

    @classmethod
    def from_row(cls, row: Any) -> DefinitionVersion:
        return cls(key=row.key, version=row.version, name=row.document.get("name"),
                   content_hash=row.content_hash, published_at=from_db(row.published_at),
                   published_by=row.published_by, document=row.document)


@dataclass(frozen=True)
class DefinitionSummary:
    key: str
    name: str | None
    latest_version: int
    version_count: int
    created_at: datetime | None


@dataclass(frozen=True)
class Draft:
    """An unpublished document being edited in the designer (it may not be valid yet)."""

    key: str
    document: dict[str, Any]
    updated_at: datetime | None
    updated_by: str | None

    @classmethod
    def from_row(cls, row: Any) -> Draft:
        return cls(key=row.key, document=row.document, updated_at=from_db(row.updated_at),
                   updated_by=row.updated_by)
