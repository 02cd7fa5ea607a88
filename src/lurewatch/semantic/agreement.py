"""How closely the static encoder agrees with the full model, on real sentences (bench and distil script).

The sentences are the senders' messages of the blind sets (``tests/data/blind*/approaches.yaml``: a plain
string in ``messages`` is the sender's, a mapping is the recipient's reply), split by
:func:`split_sentences`, deduplicated, in file order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lurewatch.semantic.sentences import split_sentences
from lurewatch.yamlfast import safe_load

__all__ = ["blind_set_sentences", "nearest_neighbour_agreement", "pairwise_spearman"]


def blind_set_sentences(files: list[Path], min_chars: int = 16) -> list[str]:
    seen: dict[str, None] = {}
    for path in files:
        for case in safe_load(path.read_text(encoding="utf-8")) or []:
            for message in case.get("messages") or []:
                if isinstance(message, str):
                    for s in split_sentences(message):
                        if len(s) >= min_chars:
                            seen.setdefault(s, None)
    return list(seen)


def pairwise_spearman(a: np.ndarray, b: np.ndarray, max_pairs: int = 300_000, seed: int = 0) -> float:
    """Spearman correlation of the cosine similarities of the same pairs of rows under two encoders."""
    from scipy.stats import spearmanr

    n = a.shape[0]
    rng = np.random.default_rng(seed)
    i = rng.integers(0, n, max_pairs)
    j = rng.integers(0, n, max_pairs)
    keep = i != j
    i, j = i[keep], j[keep]
    sa = np.einsum("ij,ij->i", a[i], a[j])
    sb = np.einsum("ij,ij->i", b[i], b[j])
    return float(spearmanr(sa, sb).statistic)


def nearest_neighbour_agreement(a: np.ndarray, b: np.ndarray, n_queries: int, k: int = 5) -> tuple[float, float]:
    """Queries are the first ``n_queries`` rows, the held set the rest. Returns (the nearest neighbour in
    the held set is the same under both encoders, the full model's nearest is in the static top ``k``)."""
    qa, ha = a[:n_queries], a[n_queries:]
    qb, hb = b[:n_queries], b[n_queries:]
    nn_a = np.argmax(qa @ ha.T, axis=1)
    sim_b = qb @ hb.T
    nn_b = np.argmax(sim_b, axis=1)
    top_b = np.argpartition(-sim_b, k, axis=1)[:, :k]
    in_top = np.any(top_b == nn_a[:, None], axis=1)
    return float(np.mean(nn_a == nn_b)), float(np.mean(in_top))
