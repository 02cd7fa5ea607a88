"""Benchmark `link`: time, peak memory and pairwise precision/recall against the generator's truth.

    python bench/gen_campaigns.py 100000 /tmp/lw/100k.jsonl
    python bench/bench_link.py /tmp/lw/100k.jsonl [--engine local|spark] [--spark-master local[2]]

Pairwise quality: a pair of approaches is "found" when both are in one campaign and "true" when both have
the same truth actor. Also reported restricted to hostile campaigns (pairs with a hostile member).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path


def pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise(found: dict[str, str], truth: dict[str, str], only: set[str] | None = None) -> tuple[float, float]:
    """found: approach -> campaign (approaches in no campaign are absent); truth: approach -> actor.
    `only`: restrict to pairs whose truth actor is in `only` (recall) / that contain such a member (precision)."""
    cell: Counter = Counter()
    fsize: Counter = Counter()
    for aid, c in found.items():
        cell[(c, truth[aid])] += 1
        fsize[c] += 1
    tsize = Counter(truth.values())
    if only is None:
        tp = sum(pairs(v) for v in cell.values())
        fp_den = sum(pairs(v) for v in fsize.values())
        tr_den = sum(pairs(v) for v in tsize.values())
    else:
        tp = sum(pairs(v) for (c, a), v in cell.items() if a in only)
        tr_den = sum(pairs(v) for a, v in tsize.items() if a in only)
        by_c: dict[str, Counter] = defaultdict(Counter)
        for (c, a), v in cell.items():
            by_c[c][a] += v
        fp_den = 0  # found pairs with at least one hostile member
        for _c, acts in by_c.items():
            n = sum(acts.values())
            h = sum(v for a, v in acts.items() if a in only)
            fp_den += pairs(n) - pairs(n - h)
    precision = tp / fp_den if fp_den else 1.0
    recall = tp / tr_den if tr_den else 1.0
    return precision, recall


def load_truth(path: Path) -> tuple[dict[str, str], set[str]]:
    truth, hostile = {}, set()
    with open(path, "rb") as fh:
        for line in fh:
            d = json.loads(line)
            truth[d["approach_id"]] = d["_truth_actor"]
            if d["_truth_hostile"]:
                hostile.add(d["_truth_actor"])
    return truth, hostile


def run(path: Path, engine: str, master: str) -> tuple[list[dict], float, float]:
    from lurewatch.linking import extract_jsonl, link_records

    t0 = time.perf_counter()
    if engine == "local":
        records = extract_jsonl([path])
        t1 = time.perf_counter()
        camps = link_records(records)
    else:
        from lurewatch.linking.spark import link_spark_jsonl

        t1 = t0
        camps = link_spark_jsonl([path], master=master)
    t2 = time.perf_counter()
    print(f"  features {t1 - t0:.1f} s, link {t2 - t1:.1f} s", file=sys.stderr)
    return camps, t2 - t0, t1 - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("path", type=Path)
    ap.add_argument("--engine", default="local", choices=["local", "spark"])
    ap.add_argument("--spark-master", default="local[2]")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--campaigns", type=Path, help="also write the campaigns (sorted-key JSON) here, to compare engines")
    a = ap.parse_args()
    camps, seconds, feat = run(a.path, a.engine, a.spark_master)
    if a.campaigns:
        a.campaigns.write_text(json.dumps(camps, sort_keys=True) + "\n", encoding="utf-8")
    ru_s, ru_c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = ru_s.ru_utime + ru_s.ru_stime + ru_c.ru_utime + ru_c.ru_stime
    rss_mb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                 resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    truth, hostile = load_truth(a.path)
    found = {ap_["approach_id"]: c["campaign_id"] for c in camps for ap_ in c["approaches"]}
    p, r = pairwise(found, truth)
    hp, hr = pairwise(found, truth, hostile)
    out = {"n": len(truth), "engine": a.engine, "seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1),
           "load_avg_1m": round(os.getloadavg()[0], 1), "feature_seconds": round(feat, 1),
           "peak_rss_mb": round(rss_mb), "campaigns": len(camps), "precision": round(p, 4), "recall": round(r, 4),
           "hostile_precision": round(hp, 4), "hostile_recall": round(hr, 4)}
    print(json.dumps(out))
    if a.json:
        a.json.write_text(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
