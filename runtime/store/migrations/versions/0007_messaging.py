"""Messaging: broker subscriptions, their dead letters, outbox routes and the outbox.

Only new tables; nothing stored before changes.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('message_dead_letters',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('subscription', sa.String(length=64), nullable=False),
    sa.Column('message_key', sa.String(length=200), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('subscription', 'message_key', name='uq_dead_letters_message')
    )
    with op.batch_alter_table('message_dead_letters', schema=None) as batch_op:
        batch_op.create_index('ix_dead_letters_status', ['status', 'created_at'], unique=False)

    op.create_table('message_outbox',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('instance_id', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('route_id', sa.String(length=36), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('message_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_message_outbox_pending', ['status', 'instance_id', 'seq'],
                              unique=False)

    op.create_table('message_outbox_routes',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('definition', sa.String(length=64), nullable=False),
    sa.Column('event_types', sa.JSON(), nullable=False),
    sa.Column('broker', sa.Text(), nullable=False),
    sa.Column('destination', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('message_subscriptions',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('broker', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('action', sa.String(length=8), nullable=False),
    sa.Column('definition', sa.String(length=64), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.Column('origin', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
