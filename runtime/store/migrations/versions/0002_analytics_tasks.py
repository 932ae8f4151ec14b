"""Dashboards count task claims and completions by role (2026-11-30): `analytics_tasks` holds
the open task of each instance waiting in a human state.

The tasks open at the upgrade are copied from the inbox, so their claims and completions are
counted like those of tasks created afterwards.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ROLE_KEPT = 64  # the aggregate keys keep this much of a role name

inbox = sa.table(
    "tasks",
    sa.column("instance_id", sa.String),
    sa.column("state_id", sa.String),
    sa.column("role", sa.String),
    sa.column("original_role", sa.String),
    sa.column("status", sa.String),
    sa.column("created_at", sa.DateTime),
    sa.column("claimed_at", sa.DateTime),
)
tracked = sa.table("analytics_instances", sa.column("instance_id", sa.String))


def upgrade() -> None:
    analytics_tasks = op.create_table(
        "analytics_tasks",
        sa.Column("instance_id", sa.String(length=36), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("original_role", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("instance_id"),
        if_not_exists=True,
    )
    # only instances the dashboards follow: the updater reads a task through its instance
    open_tasks = op.get_bind().execute(
        sa.select(inbox)
        .where(inbox.c.status == "open", inbox.c.instance_id.in_(sa.select(tracked.c.instance_id)))
        .order_by(inbox.c.instance_id, inbox.c.created_at)
    )
    rows = {
        row.instance_id: {
            "instance_id": row.instance_id,
            "state": row.state_id,
            "role": row.role[:ROLE_KEPT],
            "original_role": row.original_role[:ROLE_KEPT],
            "created_at": row.created_at,
            "claimed_at": row.claimed_at,
        }
        for row in open_tasks
    }
    if rows:
        op.bulk_insert(analytics_tasks, list(rows.values()))
