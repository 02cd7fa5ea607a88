"""Approach storage over SQLAlchemy Core. One row per approach, keyed by its stable approach_id."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from lurewatch.model import Approach

metadata = MetaData()

approaches = Table(
    "approaches",
    metadata,
    Column("approach_id", String(40), primary_key=True),
    Column("source", String(32), nullable=False),
    Column("conversation_id", String(255)),
    Column("sender_name", Text, nullable=False, default=""),
    Column("sender_profile_url", Text, index=True),
    Column("owner_profile_url", Text, index=True),
    Column("first_contact", DateTime(timezone=True), index=True),
    Column("score", Integer, nullable=False, index=True),
    Column("level", String(8), nullable=False, index=True),
    Column("data", JSON, nullable=False),  # the full JSON contract of the approach
    Column("stored_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir("lurewatch")) / "lurewatch.sqlite"


def resolve_db(db: str | Path | None) -> str:
    """--db PATH (or URL) > LUREWATCH_DATABASE_URL > LUREWATCH_DB > the user data directory."""
    value = str(db) if db else os.environ.get("LUREWATCH_DATABASE_URL") or os.environ.get("LUREWATCH_DB")
    if not value:
        value = str(default_db_path())
    if "://" in value:
        return value
    path = Path(value).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def private_sqlite_file(url: str) -> None:
    """Create the SQLite file 0600 before SQLite does (it would use the umask, often 0644), and tighten
    an existing one; SQLite gives the -wal and -shm files the database file's mode."""
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    path = Path(name)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        try:
            st = p.stat()
        except FileNotFoundError:
            continue
        if st.st_mode & 0o077 and st.st_uid == os.getuid():
            os.chmod(p, 0o600)


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL and a busy timeout so the server's threads can share it.
    The SQLite file (and so its WAL and SHM) is readable by its owner only."""
    if url.startswith("sqlite"):
        private_sqlite_file(url)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True)


class Store:
    """Flagged approaches, stored idempotently: storing the same approach again updates it in place."""

    def __init__(self, db: str | Path | None = None, engine: Engine | None = None) -> None:
        self.url = resolve_db(db) if engine is None else str(engine.url)
        self.engine = engine or make_engine(self.url)
        from lurewatch.server.migrate import upgrade  # the schema is owned by the Alembic migrations

        upgrade(self.engine)

    def save(self, items: Iterable[Approach | dict[str, Any]]) -> tuple[int, int]:
        """Insert or update approaches; returns (inserted, updated)."""
        with self.engine.begin() as conn:
            return save_approaches(conn, items)

    def iter_approaches(self, min_level: str | None = None) -> Iterator[dict[str, Any]]:
        """The stored approaches as contract dicts, highest score first."""
        order = {"low": 0, "medium": 1, "high": 2}
        stmt = select(approaches.c.data).order_by(approaches.c.score.desc(), approaches.c.approach_id)
        with self.engine.connect() as conn:
            for (data,) in conn.execute(stmt):
                obj = data if isinstance(data, dict) else json.loads(data)
                if min_level and order.get(obj.get("level", "low"), 0) < order[min_level]:
                    continue
                yield obj

    def get(self, approach_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(approaches.c.data).where(approaches.c.approach_id == approach_id)).first()
        return None if r is None else (r[0] if isinstance(r[0], dict) else json.loads(r[0]))

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(approaches)).scalar_one())


def save_approaches(conn: Connection, items: Iterable[Approach | dict[str, Any]]) -> tuple[int, int]:
    """Upsert approaches on an open connection (the caller owns the transaction); (inserted, updated)."""
    inserted = updated = 0
    now = datetime.now(UTC)
    pg = conn.dialect.name == "postgresql"
    for item in items:
        data = item.to_contract() if isinstance(item, Approach) else dict(item)
        row = _row(data)
        if pg:  # one statement; xmax = 0 tells a fresh insert from an update
            stmt = pg_insert(approaches).values(**row, stored_at=now, updated_at=now)
            stmt = stmt.on_conflict_do_update(index_elements=["approach_id"], set_={**row, "updated_at": now})
            fresh = conn.execute(stmt.returning(text("xmax = 0"))).scalar()
            inserted, updated = inserted + bool(fresh), updated + (not fresh)
            continue
        exists = conn.execute(
            select(approaches.c.approach_id).where(approaches.c.approach_id == row["approach_id"])
        ).first()
        if not exists:
            try:
                with conn.begin_nested():  # a concurrent writer may insert the same id meanwhile
                    conn.execute(insert(approaches).values(**row, stored_at=now, updated_at=now))
                inserted += 1
                continue
            except IntegrityError:
                pass
        where = approaches.c.approach_id == row["approach_id"]
        conn.execute(update(approaches).where(where).values(**row, updated_at=now))
        updated += 1
    return inserted, updated


def _nonul(v: Any) -> Any:
    # PostgreSQL text columns refuse NUL characters; hostile content may carry them.
    return v.replace("\x00", "") if isinstance(v, str) else v


def _row(data: dict[str, Any]) -> dict[str, Any]:
    fc = data.get("first_contact")
    return {
        "approach_id": data["approach_id"],
        "source": data.get("source", ""),
        "conversation_id": _nonul(data.get("conversation_id")),
        "sender_name": _nonul(data.get("sender_name") or ""),
        "sender_profile_url": _nonul(data.get("sender_profile_url")),
        "owner_profile_url": _nonul(data.get("owner_profile_url")),
        "first_contact": datetime.fromisoformat(fc) if fc else None,
        "score": int(data.get("score", 0)),
        "level": data.get("level", "low"),
        "data": data,
    }
