"""Web app sessions kept in the database, so a login never adopts a cookie the browser
already had (session fixation) and ending a user's sessions works across every process.

A login makes a pending row and hands its browser a one-time ticket; redeeming the ticket
(an HTTP request from the same browser, within `TICKET_TTL_S`) picks the session secret the
fresh cookie carries. Only sha256 digests are stored.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.engine import Engine

from runtime.security.identity.database import writing
from runtime.security.identity.principal import Via
from runtime.security.identity.tables import web_sessions

TICKET_TTL_S = 60
SESSION_TTL_S = 14 * 24 * 3600


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class WebSession:
    session_id: str
    username: str
    via: Via


class WebSessions:
    def __init__(self, db: Engine, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    def issue_ticket(self, username: str, via: Via, browser: str) -> str:
        """A one-time ticket that only `browser` (its pre-login session id) can redeem."""
        ticket = secrets.token_urlsafe(32)
        now = self._clock()
        with writing(self._db) as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.expires_at <= now))
            conn.execute(
                insert(web_sessions).values(
                    session_id=secrets.token_hex(16),
                    username=username,
                    via=via,
                    ticket_sha256=digest(ticket),
                    browser_sha256=digest(browser),
                    created_at=now,
                    expires_at=now + timedelta(seconds=TICKET_TTL_S),
                )
            )
        return ticket

    def redeem(self, ticket: str, browser: str) -> str | None:
        """The new session's secret, or None when the ticket is unknown, used, expired or
        presented by another browser."""
        now = self._clock()
        secret = secrets.token_urlsafe(32)
        with writing(self._db) as conn:
            row = conn.execute(
                select(web_sessions).where(web_sessions.c.ticket_sha256 == digest(ticket))
            ).first()
            if row is None or row.expires_at <= now:
                return None
            if not secrets.compare_digest(row.browser_sha256, digest(browser)):
                return None
            conn.execute(
                update(web_sessions)
                .where(web_sessions.c.session_id == row.session_id)
                .values(
                    ticket_sha256=None,
                    secret_sha256=digest(secret),
                    expires_at=now + timedelta(seconds=SESSION_TTL_S),
                )
            )
        return secret

    def resolve(self, secret: str) -> WebSession | None:
        with self._db.connect() as conn:
            row = conn.execute(
                select(web_sessions).where(web_sessions.c.secret_sha256 == digest(secret))
            ).first()
        if row is None or row.expires_at <= self._clock():
            return None
        return WebSession(row.session_id, row.username, row.via)

    def end(self, secret: str) -> None:
        with writing(self._db) as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.secret_sha256 == digest(secret)))

    def count(self, username: str) -> int:
        with self._db.connect() as conn:
            return len(
                conn.execute(
                    select(web_sessions.c.session_id).where(web_sessions.c.username == username)
                ).all()
            )


def end_all(conn: Connection, username: str) -> None:
    """Inside the caller's transaction (a password or role change): log the user out everywhere."""
    conn.execute(delete(web_sessions).where(web_sessions.c.username == username))
