"""API token management: issuing, resolving, revoking and listing tokens per user.

`tokens` knows the token format and rows inside one transaction; this part owns the
transactions and the clock, so a bearer check reads only and writes just when the recorded
last use has gone stale.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Engine

from runtime.security.identity import tokens
from runtime.security.identity.accounts import require_row
from runtime.security.identity.database import writing
from runtime.security.identity.errors import UnknownToken
from runtime.security.identity.principal import Principal
from runtime.security.identity.tokens import NewToken, TokenInfo


class TokenRegistry:
    """The API tokens of every user, checked afresh on every call (nothing is cached)."""

    def __init__(self, db: Engine, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    def create_token(self, username: str, name: str, expires_in_s: float | None = None) -> NewToken:
        with writing(self._db) as conn:
            require_row(conn, username)
            return tokens.insert_token(conn, username, name, expires_in_s, self._clock())

    def verify_token(self, bearer: str) -> Principal:
        now = self._clock()
        with self._db.connect() as conn:
            token = tokens.resolve_token(conn, bearer, now)
        if token.last_use_stale:
            with writing(self._db) as conn:
                tokens.touch_token(conn, token.token_id, now)
        return Principal(token.username, frozenset(token.roles), "token", token_id=token.token_id)

    def revoke_token(self, token_id: str, username: str | None = None) -> None:
        with writing(self._db) as conn:
            tokens.revoke_token(conn, token_id, username, self._clock())

    def get_token(self, token_id: str) -> TokenInfo:
        with self._db.connect() as conn:
            found = tokens.select_tokens(conn, None, token_id)
        if not found:
            raise UnknownToken(f"No token {token_id!r} exists.")
        return found[0]

    def list_tokens(self, username: str | None = None) -> list[TokenInfo]:
        with self._db.connect() as conn:
            if username is not None:
                require_row(conn, username)
            return tokens.select_tokens(conn, username)
