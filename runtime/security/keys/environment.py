"""Which key ring a process uses: configured, development, or none (sensitive values refused).

Configured: `STATEWRIGHT_KEYS`, `STATEWRIGHT_KEYS_FILE` and/or `STATEWRIGHT_KEY_PROVIDER`
(`module:function` returning KEKs, for a KMS). Without any, the embedded engine (tests,
scripts, `make run` on SQLite) runs in development mode: a built-in, public KEK with id
`dev`, logged loudly. `serve`/`worker` are strict: on PostgreSQL or with
`STATEWRIGHT_ENV=production` they refuse to store sensitive values unless
`STATEWRIGHT_DEV_KEYS=1` asks for development mode explicitly.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
from pathlib import Path

from runtime.security.keys.ring import (
    KeyEncryptionKey,
    KeyRing,
    KeyRingInvalid,
    LocalKek,
    parse_keys,
)

KEYS_ENV = "STATEWRIGHT_KEYS"
KEYS_FILE_ENV = "STATEWRIGHT_KEYS_FILE"
PROVIDER_ENV = "STATEWRIGHT_KEY_PROVIDER"
DEV_KEYS_ENV = "STATEWRIGHT_DEV_KEYS"
ENVIRONMENT_ENV = "STATEWRIGHT_ENV"
DEV_KEK_ID = "dev"
# Public on purpose: development data is readable by anyone with this source code.
DEV_KEK = LocalKek(DEV_KEK_ID, hashlib.sha256(b"statewright development KEK, not secret").digest())
log = logging.getLogger("statewright.keys")
_warned: list[bool] = []  # development mode is announced once per process


def configured_keks() -> list[KeyEncryptionKey]:
    """The KEKs the environment names, in ring order (environment, file, provider)."""
    keks: list[KeyEncryptionKey] = []
    text = os.environ.get(KEYS_ENV, "").strip()
    if text:
        keks += parse_keys(text, KEYS_ENV)
    path = os.environ.get(KEYS_FILE_ENV, "").strip()
    if path:
        try:
            content = Path(path).read_text()
        except OSError as exc:
            raise KeyRingInvalid(f"{KEYS_FILE_ENV}={path}: cannot read it: "
                                 f"{exc.strerror}") from None
        keks += parse_keys(content, f"{KEYS_FILE_ENV}={path}")
    provider = os.environ.get(PROVIDER_ENV, "").strip()
    if provider:
        keks += _provided(provider)
    return keks


def ring_from_environment(url: str, strict: bool = False) -> KeyRing:
    """The key ring for an engine on `url`; an empty ring refuses sensitive values.

    `strict` (serve, worker) refuses development mode on PostgreSQL unless asked for.
    """
    keks = configured_keks()
    dev_asked = os.environ.get(DEV_KEYS_ENV, "").strip().lower()
    production = os.environ.get(ENVIRONMENT_ENV, "").strip().lower() == "production"
    if keks:
        if dev_asked in ("1", "true", "yes") and not production:
            keks.append(DEV_KEK)  # reads (and rotates away) what development mode wrote
        return KeyRing(keks)
    if production or dev_asked in ("0", "false", "no") or (
            strict and not url.startswith("sqlite") and dev_asked not in ("1", "true", "yes")):
        log.error("No key ring configured (%s, %s or %s): sensitive values will be refused. "
                  "See docs/security.md.", KEYS_ENV, KEYS_FILE_ENV, PROVIDER_ENV)
        return KeyRing([])
    if not _warned:
        _warned.append(True)
        log.warning("DEVELOPMENT MODE: no key ring configured; sensitive values are encrypted "
                    "under the built-in, public development key %r. Set %s before storing "
                    "real data (docs/security.md).", DEV_KEK_ID, KEYS_ENV)
    return KeyRing([DEV_KEK])


def _provided(spec: str) -> list[KeyEncryptionKey]:
    module_name, sep, function = spec.partition(":")
    if not sep or not module_name or not function:
        raise KeyRingInvalid(f"{PROVIDER_ENV}={spec!r} must look like package.module:function")
    try:
        factory = getattr(importlib.import_module(module_name), function)
    except (ImportError, AttributeError) as exc:
        raise KeyRingInvalid(f"{PROVIDER_ENV}={spec!r} cannot be loaded: {exc}") from None
    keks = list(factory())
    wrong = [k for k in keks if not isinstance(k, KeyEncryptionKey)]
    if wrong or not keks:
        raise KeyRingInvalid(f"{PROVIDER_ENV}={spec!r} must return KEKs (objects with id, "
                             "wrap and unwrap)")
    return keks
