"""Alembic's entry point: migrate on the connection `runtime.store.migrate` hands over.

The caller holds the transaction (and, on PostgreSQL, a lock), so every revision of one
upgrade commits together or not at all (both databases have transactional DDL).
"""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
