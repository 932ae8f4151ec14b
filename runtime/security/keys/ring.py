"""Key-encryption keys (KEKs): the provider interface and the key ring of the process.

A data key (DEK) is wrapped by a KEK and only the wrapped form is stored; KEKs live outside
the database (environment, a file, a KMS). `LocalKek` wraps with AES-256-GCM in process; a
cloud KMS or Vault Transit plugs in as another `KeyEncryptionKey` (docs/security.md).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from runtime.core.errors import EngineError

KEK_ID_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,64}")
NONCE_BYTES = 12


class KeysUnavailable(EngineError):
    """No key ring is configured (or it lacks the KEK needed), so sensitive values can be
    neither stored nor read."""

    code = "keys-unavailable"
    status = 503


class KeyRingInvalid(EngineError):
    """`STATEWRIGHT_KEYS` (or the key file, or the provider) is wrong; the message names the
    entry."""

    code = "key-ring-invalid"
    status = 500


@runtime_checkable
class KeyEncryptionKey(Protocol):
    """What a KEK provider implements. `context` is bound to the wrapped key (the instance
    id): a wrapped DEK moved onto another instance does not unwrap."""

    id: str

    def wrap(self, dek: bytes, context: bytes) -> bytes: ...

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes: ...


class LocalKek:
    """A 32-byte KEK held in this process; wraps with AES-256-GCM (random 96-bit nonce)."""

    def __init__(self, kek_id: str, key: bytes) -> None:
        if not KEK_ID_PATTERN.fullmatch(kek_id):
            raise KeyRingInvalid(f"KEK id {kek_id!r} must be 1-64 of A-Z a-z 0-9 _ . -")
        if len(key) != 32:
            raise KeyRingInvalid(f"KEK {kek_id!r} must be 32 bytes, got {len(key)}")
        self.id = kek_id
        self._aead = AESGCM(key)

    def wrap(self, dek: bytes, context: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, dek, context)

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes:
        try:
            return self._aead.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], context)
        except InvalidTag:
            raise KeysUnavailable(f"KEK {self.id!r} does not unwrap this data key: the key "
                                  "under that id is not the one it was wrapped with") from None


class KeyRing:
    """KEKs by id; the first is the active one, which wraps every new data key."""

    def __init__(self, keks: Iterable[KeyEncryptionKey]) -> None:
        self.keks: dict[str, KeyEncryptionKey] = {}
        for kek in keks:
            if kek.id in self.keks:
                raise KeyRingInvalid(f"KEK id {kek.id!r} appears twice in the key ring")
            self.keks[kek.id] = kek

    @property
    def active(self) -> KeyEncryptionKey:
        if not self.keks:
            raise KeysUnavailable(
                "no key ring is configured, so sensitive values cannot be stored: set "
                "STATEWRIGHT_KEYS=\"id:<base64 of 32 bytes>\" or STATEWRIGHT_KEYS_FILE "
                "(see docs/security.md)")
        return next(iter(self.keks.values()))

    def wrap(self, dek: bytes, context: bytes) -> tuple[str, bytes]:
        """`(kek id, wrapped dek)` under the active KEK."""
        kek = self.active
        return kek.id, kek.wrap(dek, context)

    def unwrap(self, kek_id: str, wrapped: bytes, context: bytes) -> bytes:
        kek = self.keks.get(kek_id)
        if kek is None:
            raise KeysUnavailable(
                f"a data key is wrapped by KEK {kek_id!r}, which is not in the key ring "
                f"({', '.join(self.keks) or 'empty'}): add it back, or run `statewright keys "
                "rotate` while it is still there")
        return kek.unwrap(wrapped, context)


def parse_keys(text: str, source: str) -> list[LocalKek]:
    """KEKs from `id:base64,...` (commas or new lines; `#` starts a comment)."""
    keks = []
    entries = [e.split("#", 1)[0].strip() for line in text.splitlines() for e in line.split(",")]
    for number, entry in enumerate((e for e in entries if e), start=1):
        kek_id, sep, encoded = entry.partition(":")
        if not sep:
            raise KeyRingInvalid(f"{source}: entry {number} must look like id:<base64 of 32 "
                                 "bytes>")
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise KeyRingInvalid(f"{source}: entry {number} ({kek_id.strip()!r}) is not "
                                 "valid base64") from None
        try:
            keks.append(LocalKek(kek_id.strip(), key))
        except KeyRingInvalid as exc:
            raise KeyRingInvalid(f"{source}: entry {number}: {exc}") from None
    if not keks:
        raise KeyRingInvalid(f"{source} names no key")
    return keks


def new_kek_text(kek_id: str) -> str:
    """A fresh `id:base64` entry, for `statewright keys generate`."""
    LocalKek(kek_id, bytes(32))  # checks the id
    return f"{kek_id}:{base64.b64encode(os.urandom(32)).decode()}"
