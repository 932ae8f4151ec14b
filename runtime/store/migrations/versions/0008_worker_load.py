"""Capacity: each runner's measured load (`worker_load`), for the capacity dashboard.

Only a new table; nothing stored before changes.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('worker_load',
    sa.Column('worker_id', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('period_us', sa.BigInteger(), nullable=False),
    sa.Column('threads', sa.Integer(), nullable=False),
    sa.Column('jobs', sa.Integer(), nullable=False),
    sa.Column('busy_us', sa.BigInteger(), nullable=False),
    sa.Column('due', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('worker_id', 'at')
    )
    with op.batch_alter_table('worker_load', schema=None) as batch_op:
        batch_op.create_index('ix_worker_load_at', ['at'], unique=False)

