"""Alembic environment: runs on the connection :mod:`trading.store.database` hands over."""

from __future__ import annotations

from alembic import context

from trading.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - Greenlight always passes its connection
    raise RuntimeError("run migrations through trading.store.database.Database.migrate()")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
