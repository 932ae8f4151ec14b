"""Alembic's entry point: migrate on the connection `runtime.store.migrate` hands over.

The caller holds the transaction (and, on PostgreSQL, a lock), so every revision of one
upgrade commits together or not at all (both databases have transactional DDL). For
`migrate.draft_revision` it also hands over the table definitions to compare against.
"""

from typing import Any

from alembic import context
from sqlalchemy.types import TypeDecorator


def _render_item(kind: str, item: Any, _autogen: Any) -> str | bool:
    """Our column types as the plain types they store (revisions stay free of our modules)."""
    if kind == "type" and isinstance(item, TypeDecorator):
        return f"sa.{type(item.impl_instance).__name__}()"
    return False


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=context.config.attributes.get("metadata"),
    render_as_batch=connection.dialect.name == "sqlite",
    render_item=_render_item,
)
with context.begin_transaction():
    context.run_migrations()
