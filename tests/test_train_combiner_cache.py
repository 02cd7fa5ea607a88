"""scripts/train_combiner.py keeps sentence vectors between runs: the cache must belong to one model."""

from __future__ import annotations

import numpy as np


def test_the_training_cache_is_named_by_what_the_encoder_computes(load_script):
    """Two encoders under one name (another model through LUREWATCH_SEMANTIC_MODEL_DIR, a new static table) must
    not share train_combiner's vector cache; the same encoder always finds its own."""
    tc = load_script("train_combiner")

    class Fake:
        name, dim = "minilm-l6-v2-int8", 4

        def __init__(self, v):
            self.v = np.array([v], dtype=np.float32)

        def encode(self, sentences):
            return np.repeat(self.v, len(sentences), axis=0)

    a, b = Fake([1, 0, 0, 0]), Fake([0, 1, 0, 0])
    assert tc.cache_name(a) != tc.cache_name(b)
    assert tc.cache_name(a) == tc.cache_name(Fake([1, 0, 0, 0]))
    assert tc.cache_name(a).startswith("lurewatch-train-minilm-l6-v2-int8-4-")
