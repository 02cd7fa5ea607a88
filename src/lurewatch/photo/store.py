"""Persisted photo hashes (table `photo_hashes`) so that reuse is found across scans."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from lurewatch.db.local_tables import photo_hashes


@dataclass(slots=True)
class SeenPhoto:
    sender_profile_url: str
    sha256: str
    pdq: str | None
    quality: int | None
    variants: list[str] = field(default_factory=list)  # dihedral variants (the first is `pdq`)
    crops: list[str] = field(default_factory=list)


class PhotoHashStore:
    def __init__(self, db_url: str | Engine) -> None:
        from lurewatch.db import make_engine
        from lurewatch.db.migrate import upgrade

        self.engine = make_engine(db_url) if isinstance(db_url, str) else db_url
        upgrade(self.engine)  # the table is created by the migrations (0007), like every other

    def all(self) -> list[SeenPhoto]:
        q = select(photo_hashes.c.sender_profile_url, photo_hashes.c.sha256, photo_hashes.c.pdq,
                   photo_hashes.c.quality, photo_hashes.c.pdq_extra)
        out = []
        with self.engine.connect() as conn:
            for url, sha, pdq_hex, quality, extra in conn.execute(q):
                variants, _, crops = (extra or "").partition("|")
                out.append(SeenPhoto(url, sha, pdq_hex, quality, variants.split(), crops.split()))
        return out

    def add(self, seen: SeenPhoto) -> bool:
        """Record a photo of a sender once (same sender and same file bytes are not stored twice)."""
        q = select(photo_hashes.c.id).where(photo_hashes.c.sender_profile_url == seen.sender_profile_url,
                                            photo_hashes.c.sha256 == seen.sha256)
        with self.engine.begin() as conn:
            if conn.execute(q).first() is not None:
                return False
            conn.execute(insert(photo_hashes).values(
                sender_profile_url=seen.sender_profile_url, sha256=seen.sha256, pdq=seen.pdq,
                quality=seen.quality, pdq_extra=" ".join(seen.variants) + "|" + " ".join(seen.crops),
                first_seen=datetime.now(UTC)))
        return True
