"""The `NotFound` errors for instances and definition versions, worded once."""

from __future__ import annotations

from runtime.core.errors import NotFound


def missing_instance(instance_id: str) -> NotFound:
    return NotFound(f"no instance {instance_id!r}", {"instance": instance_id})


def missing_version(key: str, version: int | None) -> NotFound:
    if version is None:
        return NotFound(f"no definition {key!r} is published", {"definition": key})
    return NotFound(f"definition {key!r} has no version {version}",
                    {"definition": key, "version": version})
