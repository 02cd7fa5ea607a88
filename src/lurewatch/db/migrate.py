"""Run the Alembic migrations programmatically (the store and the server call this on start)."""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine

_DIR = Path(__file__).parent / "migrations"
_lock = threading.Lock()
_done: set[str] = set()


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_DIR))
    return cfg


def head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema; safe to call from several processes at once."""
    key = repr(engine.url)
    with _lock:
        if key in _done:
            return
        cfg = alembic_config()
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Two workers starting together: the second waits, then finds the schema at head.
                conn.execute(text("SELECT pg_advisory_xact_lock(7140500)"))
            if MigrationContext.configure(conn).get_current_revision() != head():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        _done.add(key)
