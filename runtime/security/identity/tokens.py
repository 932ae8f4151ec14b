"""API tokens `swt_<id>_<secret>`: format, hashing and rows; only sha256(secret) is kept.

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
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from runtime.security.identity.errors import TokenInvalid, UnknownToken
from runtime.security.identity.tables import api_tokens, user_roles, users

TOKEN_PREFIX = "swt_"
# A token's last use is recorded at most this often, so API calls rarely write.
TOKEN_TOUCH_INTERVAL_S = 60
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


def insert_token(
    conn: Connection, username: str, name: str, expires_in_s: float | None, now: datetime
) -> NewToken:
    if not name.strip() or len(name) > 200:
        raise ValueError("A token needs a name of 1-200 characters (what it is for).")
    if expires_in_s is not None and expires_in_s <= 0:
        raise ValueError(f"expires_in_s must be positive (got {expires_in_s}).")
    token_id, bearer, secret_hash = new_token()
    conn.execute(
        insert(api_tokens).values(
            token_id=token_id,
            username=username,
            name=name.strip(),
            secret_sha256=secret_hash,
            created_at=now,
            expires_at=None if expires_in_s is None else now + timedelta(seconds=expires_in_s),
        )
    )
    return NewToken(token_id, bearer)


class ResolvedToken(NamedTuple):
    username: str
    token_id: str
    roles: tuple[str, ...]
    last_use_stale: bool


def resolve_token(conn: Connection, bearer: str, now: datetime) -> ResolvedToken:
    """The user and roles behind a valid bearer token (one query: a row per role), else
    `TokenInvalid` saying why it was refused."""
    token_id, secret = parse_bearer(bearer)
    rows = conn.execute(
        select(api_tokens, users.c.disabled, user_roles.c.role)
        .join(users, users.c.username == api_tokens.c.username)
        .outerjoin(user_roles, user_roles.c.username == api_tokens.c.username)
        .where(api_tokens.c.token_id == token_id)
    ).all()
    row = rows[0] if rows else None
    if row is None or not secret_matches(secret, row.secret_sha256):
        raise TokenInvalid("The bearer token is not valid.")
    if row.revoked_at is not None:
        raise TokenInvalid(f"The token {token_id} has been revoked.")
    expires_at = row.expires_at
    if expires_at is not None and expires_at <= now:
        raise TokenInvalid(f"The token {token_id} expired at {expires_at.isoformat()}.")
    if row.disabled:
        raise TokenInvalid(f"The token {token_id} belongs to a disabled user.")
    last_used = row.last_used_at
    stale = last_used is None or (now - last_used).total_seconds() >= TOKEN_TOUCH_INTERVAL_S
    roles = tuple(sorted(r.role for r in rows if r.role is not None))
    return ResolvedToken(row.username, token_id, roles, stale)


def touch_token(conn: Connection, token_id: str, now: datetime) -> None:
    """Record the token's last use (callers do it at most every TOKEN_TOUCH_INTERVAL_S)."""
    conn.execute(
        update(api_tokens).where(api_tokens.c.token_id == token_id).values(last_used_at=now)
    )


def revoke_token(conn: Connection, token_id: str, username: str | None, now: datetime) -> None:
    conditions = [api_tokens.c.token_id == token_id]
    if username is not None:
        conditions.append(api_tokens.c.username == username)
    row = conn.execute(select(api_tokens.c.revoked_at).where(*conditions)).first()
    if row is None:
        owner = f" of user {username!r}" if username is not None else ""
        raise UnknownToken(f"No token {token_id!r}{owner} exists.")
    if row.revoked_at is None:
        conn.execute(update(api_tokens).where(*conditions).values(revoked_at=now))


def select_tokens(
    conn: Connection, username: str | None, token_id: str | None = None
) -> list[TokenInfo]:
    query = select(api_tokens).order_by(api_tokens.c.username, api_tokens.c.created_at)
    if username is not None:
        query = query.where(api_tokens.c.username == username)
    if token_id is not None:
        query = query.where(api_tokens.c.token_id == token_id)
    return [
        TokenInfo(
            token_id=row.token_id,
            username=row.username,
            name=row.name,
            created_at=row.created_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
            last_used_at=row.last_used_at,
        )
        for row in conn.execute(query)
    ]
