"""Watch indicators: shared intelligence imported from peers (STIX, TAXII, MISP) that scans match.

Table `watch_indicators` in the store database (created with SQLAlchemy Core `create_all`, beside
`approaches`): one row per (type, normalised value, source); re-importing the same indicator from the
same source updates it in place.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine

from lurewatch.sharing import observables, tlp
from lurewatch.store.db import resolve_db

metadata = MetaData()

watch_indicators = Table(
    "watch_indicators",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("type", String(16), nullable=False),  # observables.TYPES
    Column("value", Text, nullable=False),  # normalised (observables.normalise)
    Column("source", Text, nullable=False, default=""),  # producer identity name, else the file / feed
    Column("tlp", String(16), nullable=False, default="amber"),
    Column("confidence", Integer),  # 0-100 as given by the producer, if any
    Column("stix_id", String(80)),  # the indicator (or MISP attribute uuid) it came from
    Column("label", Text, nullable=False, default=""),  # producer's name/description, for evidence
    Column("imported_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("type", "value", "source", name="uq_watch_type_value_source"),
)


@dataclass(slots=True)
class WatchIndicator:
    type: str
    value: str
    source: str
    tlp: str = "amber"
    confidence: int | None = None
    stix_id: str | None = None
    label: str = ""
    imported_at: datetime | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "value": self.value,
            "source": self.source,
            "tlp": self.tlp,
            "confidence": self.confidence,
            "stix_id": self.stix_id,
            "label": self.label,
        }


class WatchStore:
    def __init__(self, db: str | Path | None = None, engine: Engine | None = None) -> None:
        self.url = resolve_db(db) if engine is None else str(engine.url)
        self.engine = engine or create_engine(self.url, future=True)
        metadata.create_all(self.engine)

    def add(self, items: Iterable[WatchIndicator]) -> tuple[int, int]:
        """Insert or update indicators (values are normalised here); returns (inserted, updated)."""
        inserted = updated = 0
        now = datetime.now(UTC)
        t = watch_indicators
        with self.engine.begin() as conn:
            for w in items:
                value = observables.normalise(w.type, w.value)
                if not value:
                    continue
                row = {
                    "tlp": tlp.normalise(w.tlp),
                    "confidence": w.confidence,
                    "stix_id": w.stix_id,
                    "label": (w.label or "")[:500],
                    "imported_at": now,
                }
                key = (t.c.type == w.type) & (t.c.value == value) & (t.c.source == w.source)
                if conn.execute(select(t.c.id).where(key)).first():
                    conn.execute(update(t).where(key).values(**row))
                    updated += 1
                else:
                    conn.execute(insert(t).values(type=w.type, value=value, source=w.source, **row))
                    inserted += 1
        return inserted, updated

    def __iter__(self) -> Iterator[WatchIndicator]:
        t = watch_indicators
        with self.engine.connect() as conn:
            for r in conn.execute(select(t).order_by(t.c.id)):
                yield WatchIndicator(
                    type=r.type,
                    value=r.value,
                    source=r.source,
                    tlp=r.tlp,
                    confidence=r.confidence,
                    stix_id=r.stix_id,
                    label=r.label or "",
                    imported_at=r.imported_at,
                )

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(watch_indicators)).scalar_one())
