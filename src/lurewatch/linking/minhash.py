"""MinHash signatures (datasketch) and LSH band keys, computed by the same code in both engines."""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np
from datasketch import MinHash

NUM_PERM = 64
BANDS = 16  # 16 bands x 4 rows: P(candidate) = 0.64 at Jaccard 0.5, 0.89 at 0.6, 0.98 at 0.7, 0.12 at 0.3
ROWS = 4
SEED = 20240611


@lru_cache(maxsize=1)
def _permutations() -> tuple:
    return MinHash(num_perm=NUM_PERM, seed=SEED).permutations


@lru_cache(maxsize=1)
def _scheme() -> str:
    return MinHash(num_perm=NUM_PERM, seed=SEED).scheme


def _identity(x: int) -> int:  # shingles are already 32-bit ids (sha1_hash32)
    return x


@lru_cache(maxsize=1)
def _sketch() -> MinHash:
    return MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=_identity, permutations=_permutations(), scheme=_scheme())


def signature(shingle_ids: list[int]) -> np.ndarray:
    """The MinHash signature (one sketch per process, cleared and reused: building one costs more)."""
    m = _sketch()
    m.clear()
    m.update_batch(shingle_ids)
    return m.hashvalues.copy()


def band_keys(shingle_ids: list[int]) -> list[int]:
    """One signed 64-bit key per band: a hash of (band index, the band's rows of the signature)."""
    hv = np.asarray(signature(shingle_ids), dtype=np.uint64)
    out = []
    for b in range(BANDS):
        digest = hashlib.blake2b(bytes([b]) + hv[b * ROWS : (b + 1) * ROWS].tobytes(), digest_size=8).digest()
        out.append(int.from_bytes(digest, "little", signed=True))
    return out
