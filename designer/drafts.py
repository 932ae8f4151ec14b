"""Unpublished drafts, kept in the engine's drafts table.

Every `serve` process reading the same database sees the same drafts, and a draft survives a
reload or a closed tab. Drafts are keyed by process key and shared like a whiteboard: the last
edit wins, and the table records who made it and when.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runtime import Engine
    from runtime.core.views import Draft


def load(engine: Engine, key: str) -> dict[str, Any] | None:
    draft = engine.draft(key)
    return draft.document if draft is not None else None


def save(engine: Engine, document: dict[str, Any], actor: str | None = None) -> None:
    engine.save_draft(document["key"], document, actor=actor)


def saved(engine: Engine) -> list[Draft]:
    """Every draft with its last change (when and by whom), sorted by key."""
    return sorted(engine.drafts(), key=lambda d: d.key)


def saved_keys(engine: Engine) -> list[str]:
    return [d.key for d in saved(engine)]


def discard(engine: Engine, key: str) -> None:
    engine.delete_draft(key)
