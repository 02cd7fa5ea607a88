"""Finding provider for scans: photo checks on `approach.profile.photo` and photo reuse across personas.

Reuse is looked up among the photos seen earlier in this scan and, when the scan has a store
(ctx.db_url), among photo hashes persisted by earlier scans (table `photo_hashes`).
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from lurewatch.model import Approach, Finding
from lurewatch.photo import pdq
from lurewatch.photo.check import PhotoResult, check_photo
from lurewatch.photo.findings import finding
from lurewatch.photo.store import PhotoHashStore, SeenPhoto
from lurewatch.scoring.providers import ScanContext

log = logging.getLogger(__name__)
MAX_NAMED = 3  # other personas named in one reuse finding


def sender_key(approach: Approach) -> str:
    """Who the photo belongs to: the sender's profile URL, else a per-approach key."""
    prof = approach.profile
    return approach.sender_profile_url or (prof.url if prof and prof.url else None) \
        or f"approach:{approach.approach_id}"


def resolve_photo_path(approach: Approach) -> Path | None:
    """Profile.photo as a local path; a relative path is taken relative to the profile file."""
    prof = approach.profile
    if not prof or not prof.photo or "://" in prof.photo:
        return None  # never fetched: URLs are not local photos
    p = Path(prof.photo).expanduser()
    if not p.is_absolute() and prof.source_file:
        p = Path(prof.source_file).expanduser().parent / p
    return p


def reuse_matches(result: PhotoResult, sender: str, seen: list[SeenPhoto]) -> list[tuple[str, int | None]]:
    """Other personas whose photo matches: (their URL, PDQ distance or None for identical bytes)."""
    best: dict[str, int] = {}  # -1 stands for identical file bytes
    h = result.usable_pdq
    for s in seen:
        if s.sender_profile_url == sender:
            continue
        if result.sha256 and s.sha256 == result.sha256:
            d = -1
        elif h is not None and s.pdq and (s.quality or 0) >= pdq.MIN_QUALITY:
            d = pdq.reuse_distance(h, s.variants or [s.pdq], s.crops)
            if d > pdq.MATCH_DISTANCE:
                continue
        else:
            continue
        best[s.sender_profile_url] = min(d, best.get(s.sender_profile_url, d))
    return [(url, None if d < 0 else d) for url, d in sorted(best.items(), key=lambda kv: kv[1])]


ADVICE = ("Check the profile photo: a reverse image search may find the same face on other accounts or "
          "stock sites, and a short video call shows whether the person matches the photo.")


class PhotoProvider:
    name = "photo"
    advice = ADVICE

    def __init__(self, ctx: ScanContext) -> None:
        self.db_url = ctx.db_url
        self.persist = ctx.persist  # photo hashes are written only when the user asked to store (--store)
        self.seen: list[SeenPhoto] = []
        self.store: PhotoHashStore | None = None
        self._opened = False

    def _open_store(self) -> None:
        """Open the store (and create `photo_hashes`) only once a photo is actually checked."""
        if self._opened:
            return
        self._opened = True
        if not self.db_url:
            return
        if not self.persist:
            self._read_only()
            return
        try:
            self.store = PhotoHashStore(self.db_url)
            self.seen = self.store.all() + self.seen
        except SQLAlchemyError as e:
            log.warning("photo hashes store unavailable, reuse is checked within this scan only: %s", e)
            self.store = None

    def _read_only(self) -> None:
        """Match against hashes stored by earlier --store scans without creating or writing anything."""
        from sqlalchemy import create_engine, inspect
        from sqlalchemy.engine import make_url

        try:
            url = make_url(self.db_url)
            if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).is_file():
                return
            engine = create_engine(url)
            try:
                if inspect(engine).has_table("photo_hashes"):
                    self.seen = PhotoHashStore(self.db_url).all() + self.seen
            finally:
                engine.dispose()
        except SQLAlchemyError as e:
            log.warning("photo hashes store unreadable, reuse is checked within this scan only: %s", e)

    def findings(self, approach: Approach) -> list[Finding]:
        path = resolve_photo_path(approach)
        if path is None:
            return []
        result = check_photo(path)
        out = list(result.findings)
        if result.error:
            return out
        self._open_store()
        sender = sender_key(approach)
        matches = reuse_matches(result, sender, self.seen)
        if matches:
            named = ", ".join(f"{url} ({'identical file' if d is None else f'PDQ distance {d}'})"
                              for url, d in matches[:MAX_NAMED])
            more = f" and {len(matches) - MAX_NAMED} more" if len(matches) > MAX_NAMED else ""
            out.append(finding("LW-PHOTO-004", f"same photo as persona {named}{more}"))
        h = result.usable_pdq
        entry = SeenPhoto(sender, result.sha256 or "", h.hex if h else None,
                          result.pdq.quality if result.pdq else None,
                          h.variants if h else [], h.crops if h else [])
        if not any(s.sender_profile_url == sender and s.sha256 == entry.sha256 for s in self.seen):
            self.seen.append(entry)
            if self.store is not None:
                try:
                    self.store.add(entry)
                except SQLAlchemyError as e:
                    log.warning("could not persist a photo hash: %s", e)
        return out


def build(ctx: ScanContext) -> PhotoProvider | None:
    if not ctx.use_photos:
        return None
    return PhotoProvider(ctx)
