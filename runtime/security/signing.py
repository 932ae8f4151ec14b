"""Ed25519 signatures over JSON documents: checkpoints, purge records, archives and bundles.

The hash chain in the database can be recomputed by anyone who can write the database; a
signature made with a key the database never holds cannot. `STATEWRIGHT_SIGNING_KEY` is either
the base64 of a 32-byte Ed25519 seed (`statewright audit new-key` prints one) or the path of
a PEM file holding an unencrypted PKCS#8 Ed25519 private key. Public keys are shown as the
base64 of their 32 raw bytes; `--public-key` also accepts a file holding that or a PEM key.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from runtime.core.errors import EngineError

SIGNING_KEY_ENV = "STATEWRIGHT_SIGNING_KEY"


class SigningKeyInvalid(EngineError):
    """The signing or public key is missing or is not an Ed25519 key in a known form."""

    code = "signing-key-invalid"
    status = 500


def canonical_json(document: Any) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def _b64_32(text: str) -> bytes | None:
    try:  # standard or URL-safe alphabet
        raw = base64.b64decode(text.strip().replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == 32 else None


def signing_key_from_environment() -> Ed25519PrivateKey:
    """The key named by `STATEWRIGHT_SIGNING_KEY`; `SigningKeyInvalid` says what is wrong."""
    value = os.environ.get(SIGNING_KEY_ENV, "").strip()
    if not value:
        raise SigningKeyInvalid(
            f"{SIGNING_KEY_ENV} is not set: set it to the base64 of a 32-byte Ed25519 seed "
            "(statewright audit new-key prints one) or to the path of a PEM private key")
    return parse_signing_key(value)


def parse_signing_key(value: str) -> Ed25519PrivateKey:
    path = Path(value)
    if len(value) < 4096 and path.is_file():
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (ValueError, TypeError) as exc:
            raise SigningKeyInvalid(f"{SIGNING_KEY_ENV}: {path} is not an unencrypted PEM "
                                    f"private key: {exc}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningKeyInvalid(f"{SIGNING_KEY_ENV}: {path} holds a "
                                    f"{type(key).__name__}, not an Ed25519 key")
        return key
    seed = _b64_32(value)
    if seed is None:
        raise SigningKeyInvalid(
            f"{SIGNING_KEY_ENV} is neither the base64 of 32 bytes (an Ed25519 seed) nor the path "
            "of an existing PEM file")
    return Ed25519PrivateKey.from_private_bytes(seed)


def new_key_text() -> str:
    """A fresh seed in the form `STATEWRIGHT_SIGNING_KEY` takes."""
    return base64.b64encode(os.urandom(32)).decode()


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return base64.b64encode(public.public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def parse_public_key(value: str) -> Ed25519PublicKey:
    """A public key from its base64 (32 raw bytes), or a file holding that or a PEM key."""
    text = value.strip()
    path = Path(text)
    if len(text) < 4096 and path.is_file():
        text = path.read_text(errors="replace").strip()
        if text.startswith("-----BEGIN"):
            try:
                key = serialization.load_pem_public_key(text.encode())
            except ValueError as exc:
                raise SigningKeyInvalid(f"{path} is not a PEM public key: {exc}") from None
            if not isinstance(key, Ed25519PublicKey):
                raise SigningKeyInvalid(f"{path} holds a {type(key).__name__}, not Ed25519")
            return key
    raw = _b64_32(text)
    if raw is None:
        raise SigningKeyInvalid(f"public key {value!r} is not the base64 of 32 bytes, nor a "
                                "file holding one or a PEM public key")
    return Ed25519PublicKey.from_public_bytes(raw)


def sign(document: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """`document` with `public_key` and `signature` (over everything else) added."""
    body = {**document, "public_key": public_key_text(key)}
    return {**body, "signature": base64.b64encode(key.sign(canonical_json(body))).decode()}


def signature_problem(document: dict[str, Any], key: Ed25519PublicKey) -> str | None:
    """Why `document`'s signature does not hold for `key`, or None when it does."""
    if not isinstance(document.get("signature"), str):
        return "it carries no signature"
    body = {name: value for name, value in document.items() if name != "signature"}
    if body.get("public_key") != public_key_text(key):
        return "it was signed with another key than the one given"
    try:
        key.verify(base64.b64decode(document["signature"]), canonical_json(body))
    except (InvalidSignature, binascii.Error, ValueError):
        return "its signature does not match its content (altered or forged)"
    return None
