"""PDQ perceptual hashes (Meta's pdqhash) for photo reuse, and helpers to match them.

A match is Hamming distance <= 31 between hashes of quality >= 50 (Meta's guidance for PDQ). The
mirror, the dihedral variants and ~5% crops are hashed too, so that a mirrored or slightly cropped
copy still matches (plain PDQ does not survive a 5% crop: distance ~70 measured on faces).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import cv2
import numpy as np
import pdqhash

from lurewatch.photo.pdqtext import MATCH_DISTANCE, MIN_QUALITY, is_valid, to_hex
from lurewatch.photo.pdqtext import distance as pdq_distance

__all__ = ["MATCH_DISTANCE", "MIN_QUALITY", "PdqHash", "bits_to_hex", "compute", "crop_hashes", "pdq_distance",
           "is_valid_hex", "best_distance", "match_pdq", "reuse_distance"]
CROP = 0.05
# (left, top, right, bottom) as fractions: one-sided, corner and centred crops of about 5%.
CROP_BOXES = [(CROP, 0, 1, 1), (0, 0, 1 - CROP, 1), (0, CROP, 1, 1), (0, 0, 1, 1 - CROP), (CROP, CROP, 1, 1),
              (0, CROP, 1 - CROP, 1), (CROP, 0, 1, 1 - CROP), (0, 0, 1 - CROP, 1 - CROP),
              (CROP / 2, CROP / 2, 1 - CROP / 2, 1 - CROP / 2), (CROP, CROP, 1 - CROP, 1 - CROP)]
CROP_SIDE = 192  # crop hashes are taken on a small copy (PDQ works at 64x64 anyway)


@dataclass(slots=True)
class PdqHash:
    hex: str  # the hash of the photo as given
    quality: int  # 0..100; below MIN_QUALITY (flat or tiny images) the hash is not used for matching
    variants: list[str]  # the photo as given, its mirror, and PDQ's dihedral variants
    crops: list[str] = field(default_factory=list)  # hashes of ~5% crops (PDQ alone does not survive crops)


def bits_to_hex(bits: np.ndarray) -> str:
    """ThreatExchange's text form (lurewatch.photo.pdqtext)."""
    return to_hex(np.asarray(bits).ravel().tolist())


def compute(rgb: np.ndarray) -> PdqHash:
    """PDQ of an RGB uint8 image, with its dihedral variants."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    hashes, quality = pdqhash.compute_dihedral(rgb)
    # PDQ's dihedral variants are computed from the DCT and are only approximate for a mirror (distance
    # ~50 measured on faces), so the mirror is also hashed for real.
    mirror, _ = pdqhash.compute(np.ascontiguousarray(rgb[:, ::-1]))
    variants = list(dict.fromkeys(bits_to_hex(h) for h in [hashes[0], mirror, *hashes[1:]]))
    return PdqHash(hex=variants[0], quality=int(quality), variants=variants, crops=crop_hashes(rgb))


def crop_hashes(rgb: np.ndarray) -> list[str]:
    h, w = rgb.shape[:2]
    s = min(1.0, CROP_SIDE / max(h, w))
    if s < 1:
        rgb = cv2.resize(rgb, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
        h, w = rgb.shape[:2]
    out = []
    for left, top, right, bottom in CROP_BOXES:
        sub = np.ascontiguousarray(rgb[int(top * h):int(bottom * h), int(left * w):int(right * w)])
        out.append(bits_to_hex(pdqhash.compute(sub)[0]))
    return out


def reuse_distance(a: PdqHash, b_variants: list[str], b_crops: list[str]) -> int:
    """Distance between two photos for reuse: full hashes, mirrors, and ~5% crops of either one.

    `b_variants` are b's dihedral hashes (at least the plain one), `b_crops` its crop hashes.
    """
    d = min(pdq_distance(x, y) for x in a.variants for y in [*b_variants[:1], *b_crops])
    if b_variants and a.crops:
        d = min(d, min(pdq_distance(x, y) for x in a.crops for y in b_variants))
    return d


def is_valid_hex(value: str) -> bool:
    return is_valid(value)


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
