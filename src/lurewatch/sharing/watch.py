"""Watch indicators: shared intelligence imported from peers (STIX, TAXII, MISP) that scans match.

Table `watch_indicators` in the store database (lurewatch.db, created by the migrations, beside
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
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine

from lurewatch.db.local_tables import watch_indicators
from lurewatch.sharing import observables, tlp
from lurewatch.store.db import resolve_db


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
        from lurewatch.db import make_engine
        from lurewatch.db.migrate import upgrade

        self.engine = engine or make_engine(self.url)
        upgrade(self.engine)

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
