"""The local store: flagged approaches kept for linking, triage and sharing.

SQLite by default (a file in the user's data directory, or --db / LUREWATCH_DB); any SQLAlchemy URL
(PostgreSQL for the server) works behind the same interface.
"""

from __future__ import annotations

from lurewatch.store.db import Store, default_db_path, resolve_db

__all__ = ["Store", "default_db_path", "resolve_db"]
