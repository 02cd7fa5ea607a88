"""Versioned indicator-weight calibrations, kept in the store database (table `calibrations`).

Each version is one JSON document (weights per indicator id on the YAML 0-100 scale, the score's
probability calibration, held-out metrics, how many cases it learned from). At most one version is
current; `lurewatch scan` applies the current one's weights (see `current_weights`), and rolling back
makes an older version current again, or none (version 0: the indicator files' own weights).
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    create_engine,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import Engine, make_url

from lurewatch.db.local_tables import calibrations
from lurewatch.store.db import resolve_db


class CalibrationStore:
    def __init__(self, db: str | Path | None = None) -> None:
        self.url = resolve_db(db)
        from lurewatch.db import make_engine
        from lurewatch.db.migrate import upgrade

        self.engine: Engine = make_engine(self.url)
        upgrade(self.engine)

    def save(self, doc: dict[str, Any], make_current: bool) -> int:
        """Store a new version (numbered after the highest); returns its number."""
        with self.engine.begin() as conn:
            newest = select(calibrations.c.version).order_by(calibrations.c.version.desc())
            last = conn.execute(newest).first()
            version = (last[0] if last else 0) + 1
            doc = {**doc, "version": version}
            if make_current:
                conn.execute(update(calibrations).values(current=False))
            conn.execute(calibrations.insert().values(
                version=version, created_at=datetime.fromisoformat(doc["created_at"]),
                n_cases=int(doc["n_cases"]), passed=bool(doc["decision"]["passed"]),
                current=make_current, data=doc))
        return version

    def list(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(calibrations).order_by(calibrations.c.version)).mappings().all()
        return [dict(r) for r in rows]

    def get(self, version: int) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(calibrations.c.data).where(calibrations.c.version == version)).first()
        return None if r is None else r[0]

    def current(self) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(calibrations.c.data).where(calibrations.c.current.is_(True))).first()
        return None if r is None else r[0]

    def set_current(self, version: int) -> None:
        """Make `version` current; 0 means none (the indicator files' weights apply)."""
        with self.engine.begin() as conn:
            if version and conn.execute(
                select(calibrations.c.version).where(calibrations.c.version == version)
            ).first() is None:
                raise KeyError(f"no calibration version {version}")
            conn.execute(update(calibrations).values(current=False))
            if version:
                conn.execute(
                    update(calibrations).where(calibrations.c.version == version).values(current=True))


def current_weights(db_url: str | None) -> dict[str, float] | None:
    """Indicator id -> weight of the current calibration, or None (no database, none adopted)."""
    doc = current_calibration(db_url)
    weights = (doc or {}).get("weights") or {}
    return {str(k): float(v) for k, v in weights.items() if isinstance(v, int | float)} or None


def current_calibration(db_url: str | None) -> dict[str, Any] | None:
    """The current calibration document (weights, and a retrained combiner if any), or None.

    Read-only: never creates a database or the table, so a scan without a store stays side-effect free.
    """
    url = resolve_db(db_url)
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:" \
            and not Path(u.database).is_file():
        return None
    engine = create_engine(url, future=True)
    try:
        if not inspect(engine).has_table("calibrations"):
            return None
        with engine.connect() as conn:
            r = conn.execute(select(calibrations.c.data).where(calibrations.c.current.is_(True))).first()
    finally:
        engine.dispose()
    return None if r is None else (r[0] or None)


def score_probability(score: float, doc: dict[str, Any]) -> float | None:
    """Share of hostile cases expected at this score, from a calibration's Platt scaling."""
    cal = doc.get("score_calibration")
    if not cal:
        return None
    z = float(cal["slope"]) * score / 100.0 + float(cal["intercept"])
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
