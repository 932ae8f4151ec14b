"""The identity tables in SQLAlchemy Core, in their own `MetaData` so the engine's schema
module can later adopt them as they are (`create_all` on the engine's database URL).

Times are stored like the engine's: naive UTC columns (`runtime.core.clock.to_db`), identical on
SQLite and PostgreSQL; `UtcDateTime` converts on the way in and hands back aware UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    TypeDecorator,
)

from runtime.core.clock import from_db, to_db


class UtcDateTime(TypeDecorator):
    """Aware UTC datetimes in Python, naive UTC in the database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else to_db(value)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return from_db(value)


metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("username", String(128), primary_key=True),
    Column("display_name", String(200), nullable=False, default=""),
    Column("email", String(320), nullable=False, default=""),
    Column("disabled", Boolean, nullable=False, default=False),
    # NULL for users who only log in through OpenID Connect.
    Column("password_hash", String(256), nullable=True),
    Column("must_change_password", Boolean, nullable=False, default=False),
    # "issuer|subject" of the OpenID Connect identity linked to this user, if any.
    Column("oidc_subject", String(512), nullable=True, unique=True),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", UtcDateTime(), nullable=True),
    Column("last_login_at", UtcDateTime(), nullable=True),
    Column("last_login_ip", String(64), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

user_roles = Table(
    "user_roles",
    metadata,
    Column(
        "username",
        String(128),
        ForeignKey("users.username", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("role", String(64), primary_key=True),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_id", String(32), primary_key=True),
    Column(
        "username",
        String(128),
        ForeignKey("users.username", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", String(200), nullable=False),
    # sha256 hex of the secret part; the secret itself is shown once and never stored.
    Column("secret_sha256", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=True),
    Column("revoked_at", UtcDateTime(), nullable=True),
    Column("last_used_at", UtcDateTime(), nullable=True),
    Index("ix_api_tokens_username", "username"),
)

# Who changed accounts and tokens, for the admin page's "recent activity" and audits: an
# append-only record, one row per act (create user, set roles, revoke token, ...).
admin_acts = Table(
    "identity_admin_acts",
    metadata,
    Column("act_id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(256), nullable=False),
    Column("detail", String(1000), nullable=False, default=""),
    Index("ix_identity_admin_acts_at", "at"),
)

# Web app logins. A row is made by a password check (with `ticket_sha256`, for the one
# browser that logged in) and becomes a session when that browser redeems the ticket over
# HTTP, which is when the session secret is chosen and set in a fresh cookie: a cookie from
# before the login never becomes a logged-in one. Rows of a user are deleted when their
# password or roles change, which ends those sessions in every server process.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("session_id", String(32), primary_key=True),
    Column(
        "username",
        String(128),
        ForeignKey("users.username", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("via", String(16), nullable=False),
    # sha256 hex of the secrets; the secrets themselves live only in the browser.
    Column("ticket_sha256", String(64), nullable=True, unique=True),
    Column("browser_sha256", String(64), nullable=False),
    Column("secret_sha256", String(64), nullable=True, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Index("ix_web_sessions_username", "username"),
)

# Token buckets of the rate limits when every process shares them (`shared_limits`).
rate_buckets = Table(
    "rate_buckets",
    metadata,
    Column("key", String(300), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("updated_s", Float, nullable=False),
)
