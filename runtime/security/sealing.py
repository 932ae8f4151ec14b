"""Sensitive variables at rest: envelope encryption with one data key (DEK) per instance.

A sealed value is `{"$sealed": "<token>"}` in event data, the instance row and remembered
idempotent results; the engine unseals on read, and the REST layer masks them in views.
A token `e1.<base64(nonce + AES-256-GCM ciphertext)>` is bound to its instance and variable
name (associated data), under the instance's DEK (`keys/data_keys.py`), itself stored only
wrapped by a KEK of the key ring. Any other token is a legacy Fernet token (one key for the
whole database, before envelope encryption), still read through `keys/legacy.py`.

A value that did not change keeps its token, so the stored projection stays exactly the
replay of the stored log (which the audit checks). Once an instance is erased its DEK is
gone and its sealed values read as None.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.fernet import InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection

from runtime.core.errors import EngineError
from runtime.security.keys.data_keys import ERASED, NO_KEY, DataKeys

SEALED = "$sealed"
ENVELOPE = "e1."
NONCE_BYTES = 12
REDACTED = "[redacted]"


class SealingScope:
    """Sealing within one write of one instance: resolves its DEK at most once, and re-uses
    the tokens of values that did not change."""

    def __init__(self, sealer: Sealer, conn: Connection, instance_id: str, new: bool) -> None:
        self._sealer, self._conn, self._id, self._new = sealer, conn, instance_id, new
        self._aead: AESGCM | None = None
        self.tokens: dict[tuple[str, str], str] = {}

    def learn(self, stored: dict[str, Any]) -> None:
        """Remember the tokens of the stored values (unchanged values keep them)."""
        self._sealer.unseal(self._id, stored, self.tokens)

    def seal(self, names: frozenset[str], values: dict[str, Any]) -> dict[str, Any]:
        """`values` with the sensitive ones sealed."""
        if not names or not names.intersection(values):
            return values
        sealed = dict(values)
        for name in names.intersection(values):
            value = values[name]
            if value is None or is_sealed(value):
                continue
            plain = json.dumps(value, sort_keys=True)
            token = self.tokens.get((name, plain))
            if token is None:
                if self._aead is None:
                    self._aead = self._sealer.keys.for_write(self._conn, self._id, self._new)
                nonce = os.urandom(NONCE_BYTES)
                body = self._aead.encrypt(nonce, plain.encode(), _context(self._id, name))
                token = ENVELOPE + base64.urlsafe_b64encode(nonce + body).decode()
                self.tokens[(name, plain)] = token
            sealed[name] = {SEALED: token}
        return sealed


class Sealer:
    def __init__(self, keys: DataKeys, legacy: MultiFernet | None = None) -> None:
        self.keys = keys
        self.legacy = legacy

    def scope(self, conn: Connection, instance_id: str, new: bool = False) -> SealingScope:
        """`new`: the instance is being created in this transaction (it has no DEK yet)."""
        return SealingScope(self, conn, instance_id, new)

    def unseal(self, instance_id: str, values: dict[str, Any],
               tokens: dict[tuple[str, str], str] | None = None) -> dict[str, Any]:
        """`values` in the clear; `tokens` (when given) remembers each value's token."""
        if not any(is_sealed(v) for v in values.values()):
            return values
        key = self.keys.for_read(instance_id)
        plain_values = dict(values)
        for name, value in values.items():
            if not is_sealed(value):
                continue
            token = value[SEALED]
            if token.startswith(ENVELOPE) and key == NO_KEY:
                key = self.keys.reload(instance_id)  # created by another process since
            if key == ERASED:
                plain_values[name] = None
                continue
            plain = self._open(instance_id, name, token, key)
            plain_values[name] = json.loads(plain)
            if tokens is not None:
                tokens[(name, plain)] = token
        return plain_values

    def erased(self, conn: Connection, instance_id: str) -> bool:
        return self.keys.erased(conn, instance_id)

    def _open(self, instance_id: str, name: str, token: str, key: Any) -> str:
        try:
            if token.startswith(ENVELOPE):
                if not isinstance(key, AESGCM):
                    raise InvalidTag
                raw = base64.urlsafe_b64decode(token[len(ENVELOPE):])
                return key.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:],
                                   _context(instance_id, name)).decode()
            if self.legacy is None:
                raise InvalidToken
            return self.legacy.decrypt(token.encode()).decode()
        except (InvalidTag, InvalidToken, ValueError):
            raise EngineError(
                f"the sensitive variable {name!r} of instance {instance_id} cannot be "
                "decrypted: its data key is missing, or the key ring (STATEWRIGHT_KEYS) lacks "
                "the key it was wrapped with", {"instance": instance_id, "variable": name},
            ) from None


def redact(text: str, values: dict[str, Any], names: frozenset[str]) -> str:
    """`text` (an error message, an incident reason) with the sensitive values cut out."""
    for name in names.intersection(values):
        value = values[name]
        if value is None or is_sealed(value):
            continue
        for shown in {str(value), json.dumps(value, sort_keys=True)}:
            if len(shown) >= 3:
                text = text.replace(shown, REDACTED)
    return text


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and SEALED in value


def _context(instance_id: str, name: str) -> bytes:
    return f"{instance_id}/{name}".encode()
