"""Approach storage over SQLAlchemy Core. One row per approach, keyed by its stable approach_id."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from lurewatch.db.engine import default_db_path, make_engine, private_sqlite_file, resolve_db
from lurewatch.db.meta import metadata
from lurewatch.db.store_tables import approaches
from lurewatch.model import Approach

__all__ = ["Store", "approaches", "default_db_path", "make_engine", "metadata", "private_sqlite_file",
           "resolve_db", "save_approaches"]



class Store:
    """Flagged approaches, stored idempotently: storing the same approach again updates it in place."""

    def __init__(self, db: str | Path | None = None, engine: Engine | None = None) -> None:
        self.url = resolve_db(db) if engine is None else str(engine.url)
        self.engine = engine or make_engine(self.url)
        from lurewatch.db.migrate import upgrade  # the schema is owned by the Alembic migrations

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
