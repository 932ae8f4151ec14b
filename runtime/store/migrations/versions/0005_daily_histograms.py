"""Dashboards over weeks read daily sketches (2026-11-30): `analytics_histograms_daily`, the
hourly histograms summed per UTC day.

The days before the upgrade are summed from the hourly rows, so a dashboard reading whole
days from the new table shows the same numbers as before.

Revision ID: 0005
Revises: 0004
"""

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

CHUNK = 5000  # rows read and written at a time

hourly = sa.table(
    "analytics_histograms",
    sa.column("definition_key", sa.String),
    sa.column("version", sa.Integer),
    sa.column("hour", sa.DateTime),
    sa.column("kind", sa.String),
    sa.column("subject", sa.String),
    sa.column("bucket", sa.Integer),
    sa.column("count", sa.BigInteger),
)


def upgrade() -> None:
    daily = op.create_table(
        "analytics_histograms_daily",
        sa.Column("definition_key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("day", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("definition_key", "version", "day", "kind", "subject", "bucket"),
    )
    op.create_index(
        "ix_analytics_histograms_daily_kind",
        "analytics_histograms_daily",
        ["kind", "definition_key", "day", "version", "subject", "bucket", "count"],
    )
    # Summed in Python, not with SQL date functions: the day is then written by the same
    # DateTime type as the updater's rows on both databases, so later upserts meet them.
    sums: defaultdict[tuple[object, ...], int] = defaultdict(int)
    rows = op.get_bind().execute(sa.select(hourly).execution_options(yield_per=CHUNK))
    for row in rows:
        sums[
            (row.definition_key, row.version, _day(row.hour), row.kind, row.subject, row.bucket)
        ] += row.count
    keys = ("definition_key", "version", "day", "kind", "subject", "bucket")
    batch = [{**dict(zip(keys, key, strict=True)), "count": n} for key, n in sorted(sums.items())]
    for start in range(0, len(batch), CHUNK):
        op.bulk_insert(daily, batch[start : start + CHUNK])


def _day(hour: datetime) -> datetime:
    return hour.replace(hour=0, minute=0, second=0, microsecond=0)
