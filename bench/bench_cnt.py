"""Side by side: lurewatch link vs the QUT coordination-network-toolkit (similarity mode) on the same messages.

    pip install coordination-network-toolkit==1.5.2
    python bench/gen_campaigns.py 10000 /tmp/lw/10k.jsonl
    python bench/bench_cnt.py /tmp/lw/10k.jsonl [--window-hours 72] [--threshold 0.7]

The toolkit sees what it is built for: one message per approach (the first inbound text), its user (the
normalised sender URL) and its time. Its co_similar_tweet network links users who posted messages with a
word-set Jaccard >= threshold within the time window; campaigns are the connected components of users,
each with all its approaches (so it also gets same-sender grouping for free). Quality is pairwise
precision/recall over approaches, as in bench_link.py.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_link import load_truth, pairwise  # noqa: E402


def run_cnt(path: Path, window_s: int, threshold: float, min_tokens: int) -> tuple[dict[str, str], float]:
    from coordination_network_toolkit.compute_networks import compute_co_similar_tweet
    from coordination_network_toolkit.graph import get_edge_rows
    from coordination_network_toolkit.preprocess import preprocess_data
    from coordination_network_toolkit.similarity import get_similarity_fn_from_min_size

    from lurewatch.linking.features import parse_time
    from lurewatch.linking.inputs import iter_jsonl
    from lurewatch.urls import normalise_profile_url

    rows, user_of = [], {}
    for d in iter_jsonl(path):
        user = normalise_profile_url(d.get("sender_profile_url")) or d["approach_id"]
        inbound = [m for m in d["messages"] if m.get("inbound")]
        text = inbound[0]["text"] if inbound else ""
        t = parse_time(d.get("first_contact")) or 0
        rows.append((d["approach_id"], user, user, "", "", text, t, []))
        user_of[d["approach_id"]] = user
    with tempfile.TemporaryDirectory() as tmp:
        db = f"{tmp}/cnt.db"
        t0 = time.perf_counter()
        preprocess_data(db, rows)
        compute_co_similar_tweet(db, window_s, n_threads=2, similarity_threshold=threshold, min_edge_weight=1,
                                 similarity_function=get_similarity_fn_from_min_size(min_tokens))
        edges = [(r[0], r[1]) for r in get_edge_rows(db, "co_similar_tweet")]
        seconds = time.perf_counter() - t0
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    comp = {aid: find(u) for aid, u in user_of.items()}
    sizes: dict[str, int] = {}
    for c in comp.values():
        sizes[c] = sizes.get(c, 0) + 1
    return {aid: c for aid, c in comp.items() if sizes[c] >= 2}, seconds


def run_lurewatch(path: Path) -> tuple[dict[str, str], float]:
    from lurewatch.linking import extract_jsonl, link_records

    t0 = time.perf_counter()
    camps = link_records(extract_jsonl([path]))
    seconds = time.perf_counter() - t0
    return {a["approach_id"]: c["campaign_id"] for c in camps for a in c["approaches"]}, seconds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("path", type=Path)
    ap.add_argument("--window-hours", type=float, default=72)
    ap.add_argument("--threshold", type=float, default=0.7)
    ap.add_argument("--min-tokens", type=int, default=5)
    a = ap.parse_args()
    truth, hostile = load_truth(a.path)
    out = {"n": len(truth)}
    for name, fn in (("lurewatch", lambda: run_lurewatch(a.path)),
                     ("qut_cnt", lambda: run_cnt(a.path, int(a.window_hours * 3600), a.threshold, a.min_tokens))):
        found, seconds = fn()
        p, r = pairwise(found, truth)
        hp, hr = pairwise(found, truth, hostile)
        out[name] = {"seconds": round(seconds, 1), "precision": round(p, 4), "recall": round(r, 4),
                     "hostile_precision": round(hp, 4), "hostile_recall": round(hr, 4)}
        print(name, json.dumps(out[name]), file=sys.stderr, flush=True)
    out["time_ratio_cnt_over_lurewatch"] = round(out["qut_cnt"]["seconds"] / max(out["lurewatch"]["seconds"], 1e-9), 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
