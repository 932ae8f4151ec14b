"""Publishes the sample processes (`assets/samples/*.json`) on a fresh database.

A fresh database is one without any definition, so an operator who deleted or replaced the
samples never gets them back on restart. A sample that cannot be read or is refused by the
engine is skipped with a warning: a broken sample must not keep the server from starting.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError

from runtime.core.errors import EngineError
from shared.errors import StatewrightError
from shared.loading import load_document

log = logging.getLogger("statewright.samples")

SAMPLES_DIR_ENV = "STATEWRIGHT_SAMPLES_DIR"


def samples_dir() -> Path:
    """`$STATEWRIGHT_SAMPLES_DIR`, else `assets/samples` of the source tree."""
    configured = os.environ.get(SAMPLES_DIR_ENV)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[1] / "assets" / "samples"


def publish_samples(engine: Any, folder: Path | None = None) -> list[tuple[str, int]]:
    """Publish every sample when the database has no definitions; returns (key, version) pairs."""
    if engine.definitions():
        return []
    folder = folder or samples_dir()
    if not folder.is_dir():
        log.warning("No sample folder at %s; starting without samples", folder)
        return []
    published = []
    for path in sorted(folder.glob("*.json")):
        try:
            version = engine.publish(load_document(path), actor="system")
        except (StatewrightError, EngineError) as exc:
            log.warning("Skipping sample %s: %s", path.name, exc)
            continue
        except IntegrityError:  # another server starting on the same fresh database won
            log.info("Sample %s was published by another process", path.name)
            continue
        published.append((version.key, version.version))
        log.info("Published sample %s as %s v%d", path.name, version.key, version.version)
    return published
