"""Migrations live in lurewatch.db; re-exported here for the server and older imports."""

from lurewatch.db.migrate import alembic_config, current, head, upgrade

__all__ = ["alembic_config", "current", "head", "upgrade"]
