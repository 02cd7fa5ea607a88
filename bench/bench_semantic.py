"""Benchmark the semantic layer's encoders: CPU speed, memory, and the static table's agreement with the model.

    python bench/bench_semantic.py [--full-sample 400] [--full-cache /tmp/full.npy] [--write-docs]

Real sentences: the senders' messages of tests/data/blind*/approaches.yaml, split by split_sentences,
deduplicated, those of 16 characters or more.

- speed, in CPU time of this process (the machine is shared, wall time is noise), onnxruntime on one
  thread: the full model on --full-sample sentences (in chunks of 40, an approach's worth, cache off);
  the static table on every sentence, with its word memo cold and warm, cache off; and a cache hit;
- memory: resident set size before and after loading each encoder and after encoding every sentence
  (the cache then full of them), each encoder in a fresh process;
- agreement of the static table with the full model: Spearman correlation of the cosine similarities of
  300,000 random pairs of sentences; nearest neighbour: the first quarter of the sentences are queries,
  the rest the held set, and the share of queries whose nearest neighbour in the held set is the same
  under both (and is in the static top 5). On every set, and on sets 5-9 alone (the table's size and
  weight were chosen on sets 1-4).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from lurewatch.semantic.agreement import blind_set_sentences, nearest_neighbour_agreement, pairwise_spearman
from lurewatch.semantic.encoder import FullEncoder
from lurewatch.semantic.static import StaticEncoder, static_table_path

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted((ROOT / "tests" / "data").glob("blind*/approaches.yaml"))
CHOSEN_ON = {"blind", "blind2", "blind3", "blind4"}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def memory(kind: str) -> dict:
    """Run in a fresh process: RSS with the package imported, after loading, after encoding everything."""
    import onnxruntime  # noqa: F401
    import tokenizers  # noqa: F401

    from lurewatch.semantic import encoder as _  # noqa: F401 - the baseline includes the imports

    sentences = blind_set_sentences(FILES)
    before = rss_mb()
    enc = FullEncoder() if kind == "full" else StaticEncoder()
    loaded = rss_mb()
    sample = sentences if kind == "static" else sentences[:400]
    for i in range(0, len(sample), 40):
        enc.encode(sample[i : i + 40])
    return {"before": before, "loaded": loaded, "after_encoding": rss_mb(), "encoded": len(sample)}


def per_sentence(compute, sentences: list[str], chunk: int = 40) -> float:  # noqa: ANN001 - a bound method
    t = time.process_time()
    for i in range(0, len(sentences), chunk):
        compute(sentences[i : i + chunk])
    return (time.process_time() - t) / len(sentences)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full-sample", type=int, default=400, help="sentences timed through the full model")
    ap.add_argument("--full-cache", type=Path, help="the full model's vectors of all the sentences (.npy)")
    ap.add_argument("--write-docs", action="store_true")
    ap.add_argument("--memory", choices=["full", "static"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory:
        print(json.dumps(memory(args.memory)))
        return

    sentences = blind_set_sentences(FILES)
    n_chosen = len(blind_set_sentences([f for f in FILES if f.parent.name in CHOSEN_ON]))
    lines = [
        f"- sentences: {len(sentences):,} distinct sender sentences of {len(FILES)} blind sets "
        f"(mean {np.mean([len(s) for s in sentences]):.0f} characters)"
    ]

    full = FullEncoder(base=True)  # the static table is distilled from the untuned model
    static = StaticEncoder()
    t_full = per_sentence(full._compute, sentences[: args.full_sample])
    cold = StaticEncoder()
    t_cold = per_sentence(cold._compute, sentences)
    t_warm = min(per_sentence(static._compute, sentences) for _ in range(3))
    static.encode(sentences[:2000])
    t = time.process_time()
    for _ in range(5):
        static.encode(sentences[:2000])
    t_hit = (time.process_time() - t) / 10_000
    lines += [
        f"- full model ({full.name}, onnxruntime {__import__('onnxruntime').__version__}, 1 thread), "
        f"{args.full_sample} sentences in chunks of 40: **{t_full * 1e3:.1f} ms a sentence "
        f"({1 / t_full:,.0f} sentences/s of CPU)**",
        f"- static table ({static.name}, {static.dim} dims, {_bits()}, {static_table_path().stat().st_size / 1e6:.2f} MB): "
        f"**{t_warm * 1e6:.1f} µs a sentence ({1 / t_warm:,.0f} sentences/s)** with the word memo warm; "
        f"{t_cold * 1e6:.1f} µs with it cold (each new word tokenised once); a cache hit {t_hit * 1e6:.1f} µs",
        f"- static speed-up over the full model: {t_full / t_warm:,.0f}x",
    ]

    for kind in ("full", "static"):
        out = subprocess.run(
            [sys.executable, __file__, "--memory", kind],
            capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        )
        m = json.loads(out.stdout)
        lines.append(
            f"- memory, {kind}: RSS {m['before']:.0f} MB with the packages imported, {m['loaded']:.0f} MB loaded "
            f"(**+{m['loaded'] - m['before']:.0f} MB**), {m['after_encoding']:.0f} MB after encoding "
            f"{m['encoded']:,} sentences (+{m['after_encoding'] - m['before']:.0f} MB in all)"
        )

    if args.full_cache and args.full_cache.is_file():
        vf = np.load(args.full_cache)
    else:
        vf = full.encode(sentences)
        if args.full_cache:
            np.save(args.full_cache, vf)
    vs = static.encode(sentences)
    for label, sl in (("all sets", slice(None)), ("sets 5-9 (held out from the choice)", slice(n_chosen, None))):
        a, b = vf[sl], vs[sl]
        nn, top5 = nearest_neighbour_agreement(a, b, len(a) // 4)
        lines.append(
            f"- agreement with the full model, {label} ({len(a):,} sentences): Spearman of pairwise cosine "
            f"**{pairwise_spearman(a, b):.3f}**; same nearest neighbour **{nn:.1%}**, the model's nearest in "
            f"the static top 5 {top5:.1%}"
        )
    print("\n".join(lines))
    if args.write_docs:
        write_docs(lines)


def write_docs(lines: list[str]) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text(encoding="utf-8")
    head = "## Semantic layer: encoders"
    load = os.getloadavg()[0]
    section = (
        f"{head}\n\n`python bench/bench_semantic.py --write-docs` — machine: {platform.machine()} "
        f"({_cpu()}), 2 cores shared with other jobs (load average {load:.1f} at the end), Python "
        f"{platform.python_version()}, {datetime.now(UTC):%Y-%m-%d}. CPU time of one process; see "
        "docs/semantic.md.\n\n" + "\n".join(lines) + "\n"
    )
    if head in text:
        before, rest = text.split(head, 1)
        after = rest.split("\n## ", 1)
        text = before + section + ("\n## " + after[1] if len(after) > 1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def _bits() -> str:
    with np.load(static_table_path(), allow_pickle=False) as z:
        return "4-bit" if "q4" in z.files else "int8"


def _cpu() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    main()
