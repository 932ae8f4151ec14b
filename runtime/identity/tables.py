"""The identity tables in SQLAlchemy Core, in their own `MetaData` so the engine's schema
module can later adopt them as they are (`create_all` on the engine's database URL).

Times are stored as timezone-aware UTC; SQLite drops the zone, so readers pass every
value through `as_utc`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)

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
    Column("locked_until", DateTime(timezone=True), nullable=True),
    Column("last_login_at", DateTime(timezone=True), nullable=True),
    Column("last_login_ip", String(64), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
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
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
    Index("ix_api_tokens_username", "username"),
)


def as_utc(value: datetime | None) -> datetime | None:
    """Read back a stored time as aware UTC, whatever the dialect returned."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
