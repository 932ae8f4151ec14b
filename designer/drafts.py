"""Unpublished drafts, kept in NiceGUI's server-side storage until the engine has a drafts table.

Drafts are keyed by process key and shared by everyone using this server, like a shared
whiteboard: the last edit wins.
"""

from __future__ import annotations

import copy
from typing import Any

from nicegui import app

STORAGE_KEY = "statewright.drafts"


def _all() -> dict[str, Any]:
    return app.storage.general.setdefault(STORAGE_KEY, {})


def load(key: str) -> dict[str, Any] | None:
    document = _all().get(key)
    return copy.deepcopy(document) if document is not None else None


def save(document: dict[str, Any]) -> None:
    _all()[document["key"]] = copy.deepcopy(document)


def saved_keys() -> list[str]:
    return sorted(_all())


def discard(key: str) -> None:
    _all().pop(key, None)
