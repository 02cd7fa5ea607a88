"""PDQ perceptual hashes (Meta's pdqhash) for photo reuse, and helpers to match them.

A match is Hamming distance <= 31 between hashes of quality >= 50 (Meta's guidance for PDQ). The
eight dihedral variants (rotations/mirrors) of a photo are kept so that a mirrored copy still matches.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pdqhash

MATCH_DISTANCE = 31
MIN_QUALITY = 50


@dataclass(slots=True)
class PdqHash:
    hex: str  # the hash of the photo as given
    quality: int  # 0..100; below MIN_QUALITY (flat or tiny images) the hash is not used for matching
    variants: list[str]  # hex of all 8 dihedral variants (the first is the photo as given)


def bits_to_hex(bits: np.ndarray) -> str:
    """ThreatExchange's text form: 16 words of 16 bits, most significant word first."""
    b = np.asarray(bits, dtype=np.uint8).reshape(16, 16)
    words = (b.astype(np.uint32) << np.arange(16, dtype=np.uint32)).sum(axis=1)
    return "".join(f"{int(w):04x}" for w in words[::-1])


def compute(rgb: np.ndarray) -> PdqHash:
    """PDQ of an RGB uint8 image, with its dihedral variants."""
    hashes, quality = pdqhash.compute_dihedral(np.ascontiguousarray(rgb, dtype=np.uint8))
    variants = list(dict.fromkeys(bits_to_hex(h) for h in hashes))  # the first is the photo as given
    return PdqHash(hex=variants[0], quality=int(quality), variants=variants)


def pdq_distance(a_hex: str, b_hex: str) -> int:
    """Hamming distance between two 64-hex-digit PDQ hashes."""
    if len(a_hex) != 64 or len(b_hex) != 64:
        raise ValueError("a PDQ hash is 64 hexadecimal digits")
    return (int(a_hex, 16) ^ int(b_hex, 16)).bit_count()


def is_valid_hex(value: str) -> bool:
    if len(value) != 64:
        return False
    try:
        int(value, 16)
    except ValueError:
        return False
    return True


def best_distance(query: PdqHash | Iterable[str], other_hex: str) -> int:
    """Smallest distance from any dihedral variant of `query` to `other_hex`."""
    variants = query.variants if isinstance(query, PdqHash) else list(query)
    return min(pdq_distance(v, other_hex) for v in variants)


def match_pdq(query: PdqHash | str, index: Iterable[tuple[str, object]],
              max_distance: int = MATCH_DISTANCE) -> list[tuple[object, int]]:
    """Entries of `index` ((pdq hex, payload) pairs) within `max_distance` of `query`, closest first.

    `query` may be a computed PdqHash (its mirrored/rotated variants are tried too) or a bare hex.
    Linear scan: persona photo sets are small; a BK-tree/MIH index would be needed at millions.
    """
    variants = query.variants if isinstance(query, PdqHash) else [query]
    out = []
    for hx, payload in index:
        if not is_valid_hex(hx):
            continue
        d = min(pdq_distance(v, hx) for v in variants)
        if d <= max_distance:
            out.append((payload, d))
    return sorted(out, key=lambda t: t[1])
