"""API token format and hashing: `swt_<id>_<secret>`, of which only sha256(secret) is kept.

The secret is 32 random bytes (256 bits), so unlike a password it cannot be guessed from a
dictionary and needs no slow hash: one sha256 makes a leaked table useless while keeping
each API call's check cheap. The id is in clear so a token is found by primary key, and the
hashes are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from runtime.identity.errors import TokenInvalid

TOKEN_PREFIX = "swt_"
_TOKEN_PATTERN = re.compile(r"^swt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")


class NewToken(NamedTuple):
    """What `create_token` returns: `secret` is the whole bearer string, shown only once."""

    token_id: str
    secret: str


@dataclass(frozen=True)
class TokenInfo:
    """A stored token as listed: never includes the secret."""

    token_id: str
    username: str
    name: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


def new_token() -> tuple[str, str, str]:
    """(token id, bearer string, sha256 of the secret) for a fresh token."""
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    return token_id, f"{TOKEN_PREFIX}{token_id}_{secret}", hash_secret(secret)


def parse_bearer(bearer: str) -> tuple[str, str]:
    """Split a bearer string (optionally with its `Bearer ` scheme) into (id, secret)."""
    value = bearer.strip()
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    match = _TOKEN_PATTERN.match(value)
    if match is None:
        raise TokenInvalid(
            "The bearer token is malformed: expected swt_<16 hex id>_<43-character secret>."
        )
    return match.group(1), match.group(2)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored_sha256: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_sha256)
