"""The dashboard aggregates follow the log instead of riding in every transaction: each
instance's aggregate row records the last event folded in (`folded_seq`).

Until now every event was folded in the transaction that appended it, so an instance's
row has folded all of its events: `folded_seq` starts at the instance's last sequence
number. Instances without a row (older than the aggregates) are folded whole by the
follower, as `statewright analytics rebuild` would.

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
    with op.batch_alter_table("analytics_instances", schema=None) as batch_op:
        batch_op.add_column(sa.Column("folded_seq", sa.Integer(), server_default="0",
                                      nullable=False))
    op.execute("UPDATE analytics_instances SET folded_seq = (SELECT last_seq FROM instances "
               "WHERE instances.id = analytics_instances.instance_id)"
               " WHERE EXISTS (SELECT 1 FROM instances"
               " WHERE instances.id = analytics_instances.instance_id)")
