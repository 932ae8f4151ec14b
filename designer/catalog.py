"""What the designer needs from the engine: published processes, their versions, publishing.

The engine's records may be model objects or dicts; these functions read both so the pages
deal only in plain summaries and documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ProcessSummary:
    """One process as the Processes page lists it."""

    key: str
    name: str
    versions: list[int] = field(default_factory=list)

    @property
    def latest(self) -> int | None:
        return max(self.versions, default=None)


def _read(record: Any, *names: str) -> Any:
    for name in names:
        value = record.get(name) if isinstance(record, dict) else getattr(record, name, None)
        if value is not None:
            return value
    return None


def _version_number(record: Any) -> int:
    return int(record if isinstance(record, int) else _read(record, "version", "number", "n"))


def _document(record: Any) -> dict[str, Any] | None:
    if record is None:
        return None
    if isinstance(record, dict) and "states" in record:
        return record
    document = _read(record, "document", "definition", "doc")
    if hasattr(document, "to_document"):
        return document.to_document()
    return document


def list_processes(engine: Any) -> list[ProcessSummary]:
    """Every published process with its version numbers, sorted by key."""
    summaries = []
    for record in engine.definitions():
        key = record if isinstance(record, str) else _read(record, "key")
        versions = sorted(_version_number(v) for v in engine.versions(key))
        summaries.append(ProcessSummary(key, _read(record, "name") or key, versions))
    return sorted(summaries, key=lambda s: s.key)


def published_document(engine: Any, key: str, version: int | None = None) -> dict[str, Any] | None:
    """The document of `version` (default: the latest) of process `key`, or None if unpublished."""
    numbers = [_version_number(v) for v in engine.versions(key)]
    if not numbers:
        return None
    return _document(engine.version(key, version or max(numbers)))


def publish(engine: Any, document: dict[str, Any], actor: str) -> int:
    """Publish through the engine; returns the version number it assigned (or already had)."""
    return _version_number(engine.publish(document, actor=actor))
