"""Step 4 of scripts/distil_static_embeddings.py: tuning the static table's rows on ordinary sentences."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from lurewatch.semantic.static import StaticEncoder

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def distil():
    spec = importlib.util.spec_from_file_location("distil_static_embeddings",
                                                  REPO / "scripts" / "distil_static_embeddings.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


SENTENCES = [
    "Could you send me the internal roadmap before our call on Friday?",
    "We would be happy to cover your flights and hotel for the workshop.",
    "Let's continue this conversation on WhatsApp, it is easier for me.",
    "The position offers a competitive salary and flexible working hours.",
    "Please review the attached invoice and confirm the payment details.",
    "Our team is growing and we are looking for a senior data engineer.",
    "I enjoyed your talk on quantum sensors at the conference last month.",
    "Kindly keep this opportunity between us for the time being.",
    "The seminar programme is published on the department's website.",
    "Your account will be suspended unless you confirm your details today.",
] * 3  # repeated sentences weigh more, as in a real corpus


def _residual(distil, rows, vectors, full, sentences):
    """How far the mean of each sentence's rows lies from the model's vector in the table's axes."""
    static = StaticEncoder()
    Y = full.encode(sentences)
    Y = (Y - Y.mean(axis=0)) @ distil.pca_axes(vectors)[: rows.shape[1]].T
    P = np.stack([rows[static.token_ids(s)].mean(axis=0) for s in sentences])
    a = float((P * Y).sum() / (P * P).sum())
    return float(np.linalg.norm(a * P - Y)), a


def test_tuning_brings_sentences_nearer_the_model_and_leaves_unseen_tokens(distil):
    from lurewatch.semantic.encoder import FullEncoder

    full = FullEncoder(base=True)  # the table is distilled from the untuned model
    vocab = full.tokenizer.get_vocab_size()
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(vocab, full.dim)).astype(np.float32)  # stands in for the 87 s token pass
    rows = distil.reduce_rows(vectors, 16, 1e-4, full.tokenizer.token_to_id("the"))
    before, _ = _residual(distil, rows, vectors, full, SENTENCES)
    tuned = distil.tune_rows(rows, vectors, full, SENTENCES, lam=1e-3)
    after, _ = _residual(distil, tuned, vectors, full, SENTENCES)
    assert tuned.shape == rows.shape and tuned.dtype == np.float32
    assert after < 0.5 * before
    # a token no sentence uses keeps its distilled row, only rescaled by the one common factor
    used = {t for s in SENTENCES for t in StaticEncoder().token_ids(s)}
    unused = next(t for t in range(2000, vocab) if t not in used)
    ratio = tuned[unused] / rows[unused]
    assert np.allclose(ratio, ratio[0], rtol=1e-4) and ratio[0] > 0
    # a stronger pull towards the distilled rows moves them less
    stiff = distil.tune_rows(rows, vectors, full, SENTENCES, lam=10.0)
    assert _residual(distil, stiff, vectors, full, SENTENCES)[0] > after
