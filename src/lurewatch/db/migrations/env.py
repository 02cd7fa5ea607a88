"""Alembic environment: always run with a connection handed over by lurewatch.db.migrate."""

from __future__ import annotations

from alembic import context

from lurewatch.db import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the CLI `alembic` tool is not how lurewatch migrates
    raise RuntimeError("run migrations through lurewatch.db.migrate.upgrade(engine)")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
