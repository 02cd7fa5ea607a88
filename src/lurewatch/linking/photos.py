"""Profile photos: exact SHA-256 and the PDQ perceptual hash (Meta's guidance: match at Hamming <= 31,
only when both hashes have quality >= 50)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PDQ_MAX_DISTANCE = 31
PDQ_MIN_QUALITY = 50
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
    return PhotoHash(photo.sha256, bits_to_hex(bits), int(quality))


def bits_to_hex(bits) -> str:  # noqa: ANN001 - numpy array of 256 0/1 values
    value = 0
    for b in bits:
        value = (value << 1) | int(b)
    return f"{value:064x}"


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def pdq_usable(pdq: str | None, quality: int) -> bool:
    return bool(pdq) and len(pdq) == 64 and quality >= PDQ_MIN_QUALITY


def chunk_keys(pdq: str) -> list[str]:
    """Blocking keys: the 16 16-bit chunks with their position. Two hashes within distance 15 always share
    one (pigeonhole); pairs up to 31 usually do (re-encoded or resized copies differ in few bits).
    Candidates are then verified at <= 31."""
    return [f"{i:02d}{pdq[i * 4 : i * 4 + 4]}" for i in range(PDQ_CHUNKS)]
