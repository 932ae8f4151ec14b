"""What the designer needs from the engine: published processes, their versions, publishing.

Pages deal in these small summaries so they never hold a database row, and "not published
yet" is a None rather than the engine's `NotFound`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from runtime import NotFound
from runtime.security.identity import BUILTIN_ROLES
from shared.definition import Definition

if TYPE_CHECKING:
    from runtime import Engine


@dataclass
class ProcessSummary:
    """One process as the Processes page lists it."""

    key: str
    name: str
    versions: list[int] = field(default_factory=list)
    published_at: datetime | None = None
    published_by: str | None = None

    @property
    def latest(self) -> int | None:
        return max(self.versions, default=None)


@dataclass
class PublishOutcome:
    """The version publishing gave, and whether identical content already had it."""

    version: int
    existed: bool


def list_processes(engine: Engine) -> list[ProcessSummary]:
    """Every published process with its version numbers, sorted by key."""
    summaries = []
    for definition in engine.definitions():
        versions = engine.versions(definition.key)
        newest = max(versions, key=lambda v: v.version)
        summaries.append(
            ProcessSummary(
                definition.key,
                definition.name or definition.key,
                [v.version for v in versions],
                newest.published_at,
                newest.published_by,
            )
        )
    return sorted(summaries, key=lambda s: s.key)


def published_document(engine: Engine, key: str) -> dict[str, Any] | None:
    """The latest published document of process `key`, or None if it was never published."""
    try:
        return engine.version(key).document
    except NotFound:
        return None


def latest_version(engine: Engine, key: str) -> int | None:
    """The newest published version number of `key`, or None if it was never published."""
    try:
        return engine.version(key).version
    except NotFound:
        return None


def draft_status(engine: Engine, document: dict[str, Any]) -> str:
    """How a draft relates to what is published: "" when it matches the latest version."""
    try:
        draft_hash = Definition.model_validate(document).content_hash()
    except ValidationError:
        return "draft (not valid yet)"
    try:
        latest = engine.version(document["key"])
    except NotFound:
        return "never published"
    return "" if latest.content_hash == draft_hash else f"changed since v{latest.version}"


def publish(engine: Engine, document: dict[str, Any], actor: str) -> PublishOutcome:
    """Publish through the engine, which re-validates and refuses a process with errors."""
    published = engine.publish(document, actor=actor)
    return PublishOutcome(int(published), bool(published.existed))


def known_roles(engine: Engine) -> list[str]:
    """The built-in roles and every role a published process's human tasks name, sorted."""
    roles = set(BUILTIN_ROLES)
    for summary in list_processes(engine):
        for state in (published_document(engine, summary.key) or {}).get("states", []):
            roles.update(r for r in (state.get("role"), state.get("escalate_to")) if r)
    return sorted(roles)
