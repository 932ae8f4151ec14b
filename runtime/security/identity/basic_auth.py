"""HTTP Basic credentials for the REST API, for scripts that hold a password, not a token.

Verifying argon2 on every request would make each call cost tens of milliseconds and count
against the login limit, so a verified pair is remembered by a digest that includes the stored
password hash: a changed password misses the cache at once, and disabling or a role change is
seen because the user is reloaded on every call anyway.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections import OrderedDict

from runtime.security.identity.errors import TokenInvalid

REMEMBER_S = 300.0
REMEMBERED_MAX = 1024


def parse_basic(authorization: str) -> tuple[str, str]:
    """`Basic base64(user:password)` as (username, password), or `TokenInvalid` saying why."""
    _, _, encoded = authorization.strip().partition(" ")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise TokenInvalid("Basic credentials must be base64 of 'username:password'.") from None
    username, colon, password = decoded.partition(":")
    if not colon or not username:
        raise TokenInvalid("Basic credentials must be base64 of 'username:password'.")
    return username, password


class VerifiedPasswords:
    """Digests of recently verified (username, password, stored hash) triples, expiring."""

    def __init__(self, remember_s: float = REMEMBER_S) -> None:
        self._key = secrets.token_bytes(32)  # per process: digests are useless elsewhere
        self._remember_s = remember_s
        self._seen: OrderedDict[bytes, float] = OrderedDict()

    def _digest(self, username: str, password: str, stored_hash: str) -> bytes:
        message = "\0".join((username, password, stored_hash)).encode()
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def known(self, username: str, password: str, stored_hash: str) -> bool:
        digest = self._digest(username, password, stored_hash)
        expires = self._seen.get(digest)
        if expires is None:
            return False
        if expires < time.monotonic():
            del self._seen[digest]
            return False
        return True

    def remember(self, username: str, password: str, stored_hash: str) -> None:
        self._seen[self._digest(username, password, stored_hash)] = (
            time.monotonic() + self._remember_s
        )
        while len(self._seen) > REMEMBERED_MAX:
            self._seen.popitem(last=False)
