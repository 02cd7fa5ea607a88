"""Watchlists in the store database (SQLAlchemy Core): tables `watchlists` and `watchlist_entries`.

They live beside the approaches in whatever database --db / LUREWATCH_DB points at, and are created on
first use. Loading a list under a name that exists replaces that list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import (
    create_engine,
    delete,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy.engine import Engine

from lurewatch.db.local_tables import watchlist_entries, watchlists
from lurewatch.store import resolve_db
from lurewatch.watchlists.matcher import Entry, WatchlistIndex
from lurewatch.watchlists.normalize import normalize_name


@dataclass(slots=True)
class ListInfo:
    name: str
    source: str
    format: str
    loaded_at: datetime
    count: int


class WatchlistStore:
    def __init__(self, db: str | Path | None = None, engine: Engine | None = None) -> None:
        self.url = resolve_db(db) if engine is None else str(engine.url)
        from lurewatch.db import make_engine
        from lurewatch.db.migrate import upgrade

        self.engine = engine or make_engine(self.url)
        upgrade(self.engine)

    def add(self, name: str, entries: Iterable[Entry], source: str = "", fmt: str = "") -> int:
        """Store a list (replacing one of the same name); returns the number of entries stored."""
        rows = [
            {
                "name": e.name,
                "norm_name": normalize_name(e.name),
                "aliases": list(e.aliases),
                "country": e.country,
                "risk": e.risk,
                "list_label": e.list_name if e.list_name != name else "",
                "source_url": e.source_url,
            }
            for e in entries
        ]
        with self.engine.begin() as conn:
            self._delete(conn, name)
            list_id = conn.execute(
                insert(watchlists).values(
                    name=name, source=source, format=fmt, loaded_at=datetime.now(UTC), count=len(rows)
                )
            ).inserted_primary_key[0]
            for i in range(0, len(rows), 5000):
                chunk = [dict(r, list_id=list_id) for r in rows[i : i + 5000]]
                if chunk:
                    conn.execute(insert(watchlist_entries), chunk)
        return len(rows)

    @staticmethod
    def _delete(conn, name: str) -> bool:  # type: ignore[no-untyped-def]
        row = conn.execute(select(watchlists.c.id).where(watchlists.c.name == name)).first()
        if row is None:
            return False
        conn.execute(delete(watchlist_entries).where(watchlist_entries.c.list_id == row[0]))
        conn.execute(delete(watchlists).where(watchlists.c.id == row[0]))
        return True

    def remove(self, name: str) -> bool:
        with self.engine.begin() as conn:
            return self._delete(conn, name)

    def lists(self) -> list[ListInfo]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(watchlists).order_by(watchlists.c.name)).all()
        return [ListInfo(r.name, r.source, r.format, r.loaded_at, r.count) for r in rows]

    def entries(self) -> list[Entry]:
        stmt = select(watchlist_entries, watchlists.c.name.label("list_name")).join(
            watchlists, watchlists.c.id == watchlist_entries.c.list_id
        )
        with self.engine.connect() as conn:
            return [
                Entry(
                    name=r.name,
                    list_name=r.list_label or r.list_name,
                    aliases=list(r.aliases or []),
                    country=r.country,
                    risk=r.risk,
                    source_url=r.source_url,
                    entry_id=r.id,
                )
                for r in conn.execute(stmt)
            ]

    def signature(self) -> tuple[tuple[str, str, int], ...]:
        """What is loaded (name, load time, count per list): equal signatures mean an equal index."""
        return tuple((li.name, li.loaded_at.isoformat(), li.count) for li in self.lists())

    def index(self) -> WatchlistIndex:
        return WatchlistIndex(self.entries())


def has_lists(url: str) -> bool:
    """True when the database at `url` holds at least one non-empty list (never creates anything)."""
    engine = create_engine(url, future=True)
    try:
        if not inspect(engine).has_table("watchlists"):
            return False
        with engine.connect() as conn:
            return bool(conn.execute(select(func.sum(watchlists.c.count))).scalar())
    finally:
        engine.dispose()
