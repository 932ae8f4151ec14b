"""Dashboards read one kind of aggregate over a range of hours (2026-11-30): an index each on
`analytics_counts` and `analytics_histograms`.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_analytics_counts_kind", "analytics_counts", ["kind", "definition_key", "hour"]
    )
    op.create_index(
        "ix_analytics_histograms_kind", "analytics_histograms", ["kind", "definition_key", "hour"]
    )
