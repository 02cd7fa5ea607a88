"""Profile photos: exact SHA-256 and the PDQ perceptual hash (Meta's guidance: match at Hamming <= 31,
only when both hashes have quality >= 50)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lurewatch.photo.pdqtext import MATCH_DISTANCE as PDQ_MAX_DISTANCE
from lurewatch.photo.pdqtext import MIN_QUALITY as PDQ_MIN_QUALITY
from lurewatch.photo.pdqtext import distance as hamming
from lurewatch.photo.pdqtext import to_hex as bits_to_hex

__all__ = ["PDQ_CHUNKS", "PDQ_MAX_DISTANCE", "PDQ_MIN_QUALITY", "PhotoHash", "bits_to_hex", "chunk_keys",
           "hamming", "hash_photo", "pdq_usable"]
PDQ_CHUNKS = 16  # candidate blocking: 16 chunks of 16 bits (see chunk_keys)


@dataclass(slots=True, frozen=True)
class PhotoHash:
    sha256: str | None
    pdq: str | None  # 64 hex digits
    quality: int = 0


def hash_photo(path: str | Path) -> PhotoHash | None:
    """SHA-256 of the file and its PDQ hash, read safely; None when the file cannot be read as an image."""
    import numpy as np
    import pdqhash

    from lurewatch.photo.decode import PhotoError, load_photo

    try:
        photo = load_photo(path)
    except PhotoError:
        return None
    bits, quality = pdqhash.compute(np.ascontiguousarray(photo.rgb))
    return PhotoHash(photo.sha256, bits_to_hex(bits.tolist()), int(quality))


def pdq_usable(pdq: str | None, quality: int) -> bool:
    return bool(pdq) and len(pdq) == 64 and quality >= PDQ_MIN_QUALITY


def chunk_keys(pdq: str) -> list[str]:
    """Blocking keys: the 16 16-bit chunks with their position. Two hashes within distance 15 always share
    one (pigeonhole); pairs up to 31 usually do (re-encoded or resized copies differ in few bits).
    Candidates are then verified at <= 31."""
    return [f"{i:02d}{pdq[i * 4 : i * 4 + 4]}" for i in range(PDQ_CHUNKS)]
