"""Uploaded files: random names under the data directory, bounded sizes, never served as content."""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from lurewatch.server.service import Invalid, now
from lurewatch.server.tables import uploads

CHUNK = 1024 * 1024
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp")


@dataclass(slots=True)
class Stored:
    path: Path
    size: int
    sha256: str
    original_name: str


def upload_dir(data_dir: Path) -> Path:
    d = data_dir / "uploads"
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    return d


def store_stream(fh: io.BufferedIOBase | object, data_dir: Path, limit: int, original_name: str) -> Stored:
    """Copy an uploaded file to a random name, refusing it as soon as it passes `limit` bytes."""
    path = upload_dir(data_dir) / secrets.token_hex(16)
    h = hashlib.sha256()
    size = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := fh.read(CHUNK):  # type: ignore[attr-defined]
                size += len(chunk)
                if size > limit:
                    raise Invalid(f"file too large (limit {limit // (1024 * 1024)} MB)")
                h.update(chunk)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if size == 0:
        path.unlink(missing_ok=True)
        raise Invalid("empty file")
    return Stored(path, size, h.hexdigest(), _clean_name(original_name))


def _clean_name(name: str) -> str:
    # Kept only as a label for the analyst; never used as a path.
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in base if c.isprintable())[:200]


def record(conn: Connection, stored: Stored, owner_id: int, report_id: int | None, kind: str) -> int:
    return int(conn.execute(insert(uploads).values(
        report_id=report_id, owner_id=owner_id, kind=kind, stored_name=stored.path.name,
        original_name=stored.original_name, size=stored.size, sha256=stored.sha256, created_at=now(),
    ).returning(uploads.c.id)).scalar_one())


def path_of(data_dir: Path, stored_name: str) -> Path:
    if not stored_name or not all(c in "0123456789abcdef" for c in stored_name):
        raise Invalid("bad stored name")
    return upload_dir(data_dir) / stored_name


def thumbnail_png(path: Path, side: int = 320) -> bytes:
    """Re-encode an uploaded image to a small PNG: what the browser gets is never the uploaded bytes."""
    from PIL import Image

    from lurewatch.ingest.safety import read_bounded
    from lurewatch.photo.decode import decode_photo

    img = Image.fromarray(decode_photo(read_bounded(path, 25 * 1024 * 1024)).rgb)
    img.thumbnail((side, side))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()
