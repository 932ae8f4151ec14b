"""Parsed definition versions, kept in memory: versions are immutable, so a hit is always right.

Bounded (least recently used goes first) and aged out after `ttl_s`, so a long-running worker
that sees many versions keeps a steady footprint.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict

from shared.definition import Definition

DEFAULT_SIZE = 512
DEFAULT_TTL_S = 900.0  # 15 minutes


def ttl_from_environment() -> float:
    """`STATEWRIGHT_DEFINITION_CACHE_TTL_S`, or 15 minutes."""
    raw = os.environ.get("STATEWRIGHT_DEFINITION_CACHE_TTL_S")
    try:
        return float(raw) if raw else DEFAULT_TTL_S
    except ValueError:
        return DEFAULT_TTL_S


class DefinitionCache:
    """`(key, version) -> Definition`, at most `size` entries, each for at most `ttl_s` seconds."""

    def __init__(self, size: int = DEFAULT_SIZE, ttl_s: float | None = None) -> None:
        self.size = size
        self.ttl_s = ttl_from_environment() if ttl_s is None else ttl_s
        self._entries: OrderedDict[tuple[str, int], tuple[float, Definition]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, version: int) -> Definition | None:
        with self._lock:
            entry = self._entries.get((key, version))
            if entry is None:
                return None
            if time.monotonic() - entry[0] > self.ttl_s:
                del self._entries[(key, version)]
                return None
            self._entries.move_to_end((key, version))
            return entry[1]

    def put(self, key: str, version: int, definition: Definition) -> Definition:
        with self._lock:
            self._entries[(key, version)] = (time.monotonic(), definition)
            self._entries.move_to_end((key, version))
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return definition
