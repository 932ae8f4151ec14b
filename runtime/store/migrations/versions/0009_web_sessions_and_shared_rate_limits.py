"""Web sessions kept in the database (renewed at login, ended on a password or role change)
and rate-limit buckets shared by every process.

Only new tables: sessions from before the upgrade lived in signed cookies and simply end.
`if_not_exists`: both are identity tables, which the identity service creates by itself, so
a `statewright users` command run by the new release before the upgrade may have made them.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_buckets",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("updated_s", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
        if_not_exists=True,
    )
    op.create_table(
        "web_sessions",
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("ticket_sha256", sa.String(length=64), nullable=True),
        sa.Column("browser_sha256", sa.String(length=64), nullable=False),
        sa.Column("secret_sha256", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["username"], ["users.username"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id"),
        sa.UniqueConstraint("secret_sha256"),
        sa.UniqueConstraint("ticket_sha256"),
        if_not_exists=True,
    )
    op.create_index("ix_web_sessions_username", "web_sessions", ["username"],
                    if_not_exists=True)
