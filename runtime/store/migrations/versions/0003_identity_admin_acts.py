"""The admin page records who changed accounts and tokens (2026-11-30): `identity_admin_acts`.

`if_not_exists`: the identity service creates its own tables, so a `statewright users`
command run by the new release before the upgrade may have made this one already.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_admin_acts",
        sa.Column("act_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=256), nullable=False),
        sa.Column("detail", sa.String(length=1000), nullable=False),
        sa.PrimaryKeyConstraint("act_id"),
        if_not_exists=True,
    )
    op.create_index("ix_identity_admin_acts_at", "identity_admin_acts", ["at"], if_not_exists=True)
