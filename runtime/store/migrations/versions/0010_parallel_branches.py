"""Parallel branches: `instances.branches` holds the branches of an instance between a fork
and its join, and `analytics_instances.branches` where the dashboards follow each of them.

Only new nullable columns: instances from before the upgrade have no branches.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("instances", schema=None) as batch_op:
        batch_op.add_column(sa.Column("branches", sa.JSON(none_as_null=True), nullable=True))
    with op.batch_alter_table("analytics_instances", schema=None) as batch_op:
        batch_op.add_column(sa.Column("branches", sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("analytics_instances", schema=None) as batch_op:
        batch_op.drop_column("branches")
    with op.batch_alter_table("instances", schema=None) as batch_op:
        batch_op.drop_column("branches")
