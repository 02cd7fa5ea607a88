"""Distil the static token-embedding table of the semantic layer from the shipped all-MiniLM-L6-v2 model.

    python scripts/distil_static_embeddings.py [--dims 64] [--sif 1e-3] [--out src/lurewatch/models/minilm_static.npz]

The model2vec approach, written here because model2vec's ``distill`` needs torch and the full-precision
model, and lurewatch runs only the int8 ONNX file with onnxruntime:

1. every vocabulary token is passed through the model alone, as the sentence "[CLS] token [SEP]", and
   mean-pooled over those three positions (what the full model gives for a one-token sentence);
2. the vectors are centred and reduced by PCA to ``--dims`` dimensions (the shared direction every token
   has in common carries no meaning and would dominate a sum);
3. each row is multiplied by a SIF weight a / (a + p), p a Zipf estimate of the token's frequency from
   its rank in the vocabulary (BERT's vocabulary is roughly in frequency order after its special tokens
   and single characters), so frequent tokens ("the", "you", punctuation) count for little;
4. optionally (``--tune``, not in the shipped table), the rows are tuned on ordinary text (the tokenlearn
   idea of model2vec, done here by sparse ridge least squares since tokenlearn needs torch): on the
   sentences of the public job adverts, phishing e-mails and guidance in ../shared (never the blind sets,
   on which the detector is measured), the mean of a sentence's rows is pulled towards the full model's
   vector of that sentence, each row staying near its distilled value (``--tune-lambda``). Measured on
   6 December 2026 and not shipped: a small aggregate gain with three regressions
   (docs/detection-quality.md);
5. the table is quantised with one scale per dimension: by default to 4 bits (values -7..7, the range
   three standard deviations of the dimension), two values a byte, which costs almost no agreement and
   halves the file (see the model card).

A sentence is then the L2-normalised sum of its tokens' rows (lurewatch.semantic.static). ``--sweep``
prints the agreement with the full model for several sizes and weights, chosen on blind sets 1-4 and
reported on blind sets 5-9 (see SEMANTIC_MODEL_CARD.md).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from lurewatch.semantic.agreement import (  # noqa: E402
    blind_set_sentences,
    nearest_neighbour_agreement,
    pairwise_spearman,
)
from lurewatch.semantic.encoder import FullEncoder, _normalise  # noqa: E402
from lurewatch.semantic.sentences import split_sentences  # noqa: E402
from lurewatch.semantic.static import StaticEncoder  # noqa: E402

_PCA: dict[int, np.ndarray] = {}  # the principal axes of a token-vector array, computed once per run
OUT = ROOT / "src" / "lurewatch" / "models" / "minilm_static.npz"


def token_vectors(full: FullEncoder, batch: int = 256) -> np.ndarray:
    """The full model's mean-pooled output for each vocabulary token alone."""
    vocab = full.tokenizer.get_vocab_size()
    cls, sep = full.tokenizer.token_to_id("[CLS]"), full.tokenizer.token_to_id("[SEP]")
    out = np.zeros((vocab, full.dim), dtype=np.float32)
    for start in range(0, vocab, batch):
        ids = np.arange(start, min(start + batch, vocab), dtype=np.int64)
        x = np.stack([np.full_like(ids, cls), ids, np.full_like(ids, sep)], axis=1)
        (hidden,) = full.session.run(
            ["last_hidden_state"], {"input_ids": x, "attention_mask": np.ones_like(x), "token_type_ids": np.zeros_like(x)}
        )
        out[ids] = hidden.mean(axis=1)
    return out


def sif_weights(vocab: int, first_word: int, a: float) -> np.ndarray:
    """a / (a + p(rank)), p a Zipf law over the vocabulary from ``first_word`` on (earlier ids get rank 1)."""
    rank = np.maximum(np.arange(vocab) - first_word, 0) + 1.0
    p = 1.0 / (rank * (np.log(vocab) + 0.5772))
    return (a / (a + p)).astype(np.float32)


def reduce_rows(vectors: np.ndarray, dims: int, a: float, first_word: int) -> np.ndarray:
    """Steps 2 and 3: the token vectors centred, reduced by PCA to ``dims`` and SIF-weighted (float32)."""
    centred = vectors - vectors.mean(axis=0)
    reduced = centred @ pca_axes(vectors)[:dims].T
    return reduced * sif_weights(len(vectors), first_word, a)[:, None]


def pca_axes(vectors: np.ndarray) -> np.ndarray:
    if id(vectors) not in _PCA:
        _PCA[id(vectors)] = np.linalg.svd(vectors - vectors.mean(axis=0), full_matrices=False)[2]
    return _PCA[id(vectors)]


def quantise(rows: np.ndarray, bits: int = 4, clip: float = 3.0) -> dict:
    """The arrays of the table: ``q4`` (two 4-bit values a byte) or ``q`` (int8), and ``scale``."""
    levels = 2 ** (bits - 1) - 1
    # clipped at `clip` standard deviations: the rare large values lose a little, every other value gains
    scale = (rows.std(axis=0) * clip if clip else np.abs(rows).max(axis=0)) / levels
    q = np.clip(np.rint(rows / scale), -levels, levels).astype(np.int8)
    if bits == 4:
        nibbles = (q + 8).astype(np.uint8)  # 1..15
        return {"q4": nibbles[:, 0::2] | (nibbles[:, 1::2] << 4), "scale": scale.astype(np.float32)}
    return {"q": q, "scale": scale.astype(np.float32)}


def build_table(vectors: np.ndarray, dims: int, a: float, first_word: int, bits: int = 4, clip: float = 3.0) -> dict:
    return quantise(reduce_rows(vectors, dims, a, first_word), bits, clip)


def tuning_sentences(shared: Path) -> list[str]:
    """Step 4's corpus: the sentences of the public job adverts, phishing e-mails and guidance in ``shared``
    (../shared: data/emscad, data/phishing, guidance). Never the blind sets: the combiner is measured on them."""
    import csv

    csv.field_size_limit(10_000_000)
    out: list[str] = []
    with open(shared / "data/emscad/job_postings_dev.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            for k in ("company_profile", "description", "requirements", "benefits"):
                out += split_sentences(r[k] or "", max_sentences=200)
    with open(shared / "data/phishing/nazario_phishing.csv", encoding="utf-8", errors="replace") as fh:
        for r in csv.DictReader(fh):
            out += split_sentences(r["subject"] or "", 5)
            out += split_sentences(r["body"] or "", max_sentences=200)
    for p in sorted((shared / "guidance").glob("*.md")):
        out += split_sentences(p.read_text(encoding="utf-8"), max_sentences=5000)
    out = [s.strip() for s in out]
    return [s for s in dict.fromkeys(out) if 16 <= len(s) <= 400 and sum(c.isalpha() for c in s) > len(s) * 0.5]


def tune_rows(rows: np.ndarray, vectors: np.ndarray, full: FullEncoder, sentences: list[str], lam: float) -> np.ndarray:
    """Step 4 (the tokenlearn idea of model2vec, without torch): move the rows so that the mean of a sentence's
    rows comes close to the full model's vector of that sentence (centred, in the table's PCA axes), by
    ridge least squares towards the distilled rows: minimise |X(a·R + D) - Y|^2 + lam·|D|^2, X the
    sentences' token shares. Tokens the corpus never uses keep their distilled row (scaled by a)."""
    import scipy.sparse as sp
    from scipy.sparse.linalg import lsqr

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d) / "untuned.npz"
        np.savez_compressed(tmp, **quantise(rows))
        static = StaticEncoder(table=tmp)  # its tokenising, exactly as at run time
    r_idx: list[int] = []
    c_idx: list[int] = []
    vals: list[float] = []
    for i, s in enumerate(sentences):
        ids = static.token_ids(s)
        if not ids:  # nothing in the vocabulary (the row stays empty)
            continue
        r_idx += [i] * len(ids)
        c_idx += ids
        vals += [1.0 / len(ids)] * len(ids)
    X = sp.csr_matrix((vals, (r_idx, c_idx)), shape=(len(sentences), len(rows)))
    X.sum_duplicates()
    Y = np.concatenate([full.encode(sentences[i : i + 5000]) for i in range(0, len(sentences), 5000)])
    Y = (Y - Y.mean(axis=0)) @ pca_axes(vectors)[: rows.shape[1]].T
    P = X @ rows
    a = float((P * Y).sum() / (P * P).sum())
    R = Y - a * P
    D = np.zeros_like(rows)
    for j in range(rows.shape[1]):
        D[:, j] = lsqr(X, R[:, j], damp=float(np.sqrt(lam)), atol=1e-6, btol=1e-6, iter_lim=300)[0]
    return (a * rows + D).astype(np.float32)


def agreement(table: dict, sentences: list[str], full_vectors: np.ndarray, tmp: Path) -> dict:
    np.savez_compressed(tmp, **table)
    vs = StaticEncoder(table=tmp).encode(sentences)
    nn, top5 = nearest_neighbour_agreement(full_vectors, vs, len(sentences) // 4)
    return {
        "spearman": round(pairwise_spearman(full_vectors, vs), 3),
        "nn_same": round(nn, 3),
        "nn_in_top5": round(top5, 3),
        "bytes": tmp.stat().st_size,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dims", type=int, default=128)
    ap.add_argument("--bits", type=int, choices=[4, 8], default=4)
    ap.add_argument("--clip", type=float, default=3.0, help="quantisation range in standard deviations (0: max)")
    ap.add_argument("--sif", type=float, default=1e-4, help="the SIF coefficient a")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared", help="step 4's corpus (../shared)")
    ap.add_argument("--tune-lambda", type=float, default=0.3, help="step 4's pull towards the distilled rows")
    ap.add_argument("--tune", action="store_true", help="step 4: tune the rows on ../shared (not the shipped table)")
    ap.add_argument("--token-cache", type=Path, help="reuse (or write) the token vectors here (.npy)")
    ap.add_argument("--sweep", action="store_true", help="print agreement for several sizes and weights")
    ap.add_argument("--full-cache", type=Path, help="the full model's vectors of the sweep's sentences (.npy)")
    args = ap.parse_args(argv)

    full = FullEncoder(base=True)  # the table is distilled from the untuned model
    first_word = full.tokenizer.token_to_id("the")  # BERT: specials, [unused], single characters, then words
    if args.token_cache and args.token_cache.is_file():
        vectors = np.load(args.token_cache)
    else:
        t0 = time.process_time()
        vectors = token_vectors(full)
        print(f"token vectors: {vectors.shape} in {time.process_time() - t0:.1f} s of CPU", file=sys.stderr)
        if args.token_cache:
            np.save(args.token_cache, vectors)

    if args.sweep:
        return sweep(full, vectors, first_word, args.full_cache)
    rows = reduce_rows(vectors, args.dims, args.sif, first_word)
    meta: dict = {"dims": args.dims, "bits": args.bits, "clip": args.clip, "sif": args.sif}
    if args.tune:
        if not (args.shared / "data").is_dir():
            sys.exit(f"step 4 needs the public corpus in {args.shared}")
        sentences = tuning_sentences(args.shared)
        t0 = time.process_time()
        rows = tune_rows(rows, vectors, full, sentences, args.tune_lambda)
        meta |= {"tuning_sentences": len(sentences), "lambda": args.tune_lambda,
                 "tuning_cpu_s": round(time.process_time() - t0)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **quantise(rows, args.bits, args.clip))
    meta["bytes"] = args.out.stat().st_size
    print(json.dumps(meta))
    return 0


def sweep(full: FullEncoder, vectors: np.ndarray, first_word: int, full_cache: Path | None) -> int:
    files = sorted((ROOT / "tests" / "data").glob("blind*/approaches.yaml"))
    sentences = blind_set_sentences(files)
    if full_cache and full_cache.is_file():
        full_vectors = np.load(full_cache)
    else:
        full_vectors = _normalise(full.encode(sentences))
        if full_cache:
            np.save(full_cache, full_vectors)
    choose = [f for f in files if f.parent.name in {"blind", "blind2", "blind3", "blind4"}]
    n_choose = len(blind_set_sentences(choose))  # file order: sets 1-4 come first
    tmp = Path("/tmp/lurewatch_static_sweep.npz")
    grid = [(d, b, c, 1e-4) for d in (64, 96, 128) for b, c in ((8, 0.0), (4, 3.0))]
    grid += [(128, 4, 3.0, a) for a in (1e-5, 1e-3, 1e9)]
    for dims, bits, clip, a in grid:
        table = build_table(vectors, dims, a, first_word, bits, clip)
        dev = agreement(table, sentences[:n_choose], full_vectors[:n_choose], tmp)
        held = agreement(table, sentences[n_choose:], full_vectors[n_choose:], tmp)
        weight = a if a < 1e9 else "none"
        print(json.dumps({"dims": dims, "bits": bits, "sif": weight, "sets1-4": dev, "sets5-9": held}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
