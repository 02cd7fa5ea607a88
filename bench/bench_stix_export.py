"""Benchmark: STIX 2.1 export of N approaches (default 100,000) from a SQLite store to one bundle.

Fills a temporary store with synthetic flagged approaches (N/4 personas, each with pivots: phone,
Telegram handle, e-mail, URL, domain), then runs the export in a child process so that its peak memory
(ru_maxrss) is the export's own. Validates a sample of the streamed output with stix2-validator.

    python bench/bench_stix_export.py [--n 100000] [--sample 400]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def contract(i: int, rng: random.Random) -> dict:
    p = i % max(1, N_PERSONAS)
    text = (
        f"Dear colleague {i}, our institute pays {rng.randint(5, 40) * 100} USD for a short report on your work. "
        f"Please continue on Telegram (@analyst_{p:05d}) or WhatsApp +44 7700 9{p % 100000:05d}. "
        f"Brief: https://policy-forum-{p % 997}.org/brief/{p} - mail desk{p}@policy-forum-{p % 997}.org"
    )
    day = 1 + i % 28
    return {
        "approach_id": f"ap-{i:020d}",
        "source": "linkedin-message",
        "conversation_id": f"conv-{i}",
        "sender_name": f"Persona {p}",
        "sender_profile_url": f"https://www.linkedin.com/in/persona-{p:06d}",
        "owner_profile_url": f"https://www.linkedin.com/in/target-{i:06d}",
        "first_contact": f"2025-{1 + i % 12:02d}-{day:02d}T09:00:00+00:00",
        "score": 60 + i % 40,
        "level": "high" if i % 3 else "medium",
        "findings": [
            {
                "indicator": "LW-LURE-001",
                "title": "Paid report offer",
                "category": "lure",
                "weight": 30.0,
                "evidence": "pays ... for a short report",
                "field": "message[0]",
                "rationale": "paid reports",
            },
            {
                "indicator": "LW-PIVOT-001",
                "title": "Move to a private messenger",
                "category": "pivot",
                "weight": 26.0,
                "evidence": "continue on Telegram",
                "field": "message[0]",
                "rationale": "pivot",
            },
        ],
        "advice": [],
        "messages": [
            {
                "from": f"Persona {p}",
                "inbound": True,
                "sent_at": f"2025-{1 + i % 12:02d}-{day:02d}T09:00:00+00:00",
                "subject": "",
                "text": text,
                "attachments": [],
            },
            {
                "from": "Target",
                "inbound": False,
                "sent_at": None,
                "subject": "",
                "text": "No thanks.",
                "attachments": [],
            },
        ],
    }


N_PERSONAS = 1


def child(db: str, out: str) -> None:
    from lurewatch.sharing.stix_export import ExportOptions, export_stix
    from lurewatch.store.db import Store

    t0 = time.perf_counter()
    store = Store(db)
    with open(out, "w", encoding="utf-8") as fh:
        stats = export_stix(store.iter_approaches(), fh, ExportOptions(org="Bench Org", tlp="amber"))
    secs = time.perf_counter() - t0
    ru = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "seconds": secs,
                "cpu_seconds": ru.ru_utime + ru.ru_stime,
                "peak_rss_mb": ru.ru_maxrss / 1024,
                "approaches": stats.approaches,
                "objects": stats.total,
                "by_type": dict(stats.objects),
            }
        )
    )


def validate_sample(path: Path, k: int, total: int) -> tuple[int, int, int]:
    """Validate every n-th object (plus the marking definition and the closing report) as one bundle,
    reading the streamed file line by line (one object per line); (objects, errors, warnings)."""
    from stix2validator import ValidationOptions, validate_string

    step = max(1, total // k)
    sample: list[dict] = []
    last = None
    with path.open(encoding="utf-8") as fh:
        head = json.loads(fh.readline() + "]}")  # '{"type": "bundle", "id": ..., "objects": ['
        for i, line in enumerate(fh):
            line = line.rstrip().rstrip(",")
            if not line.startswith("{"):
                continue
            if i == 0 or i % step == 0:
                sample.append(json.loads(line))
            last = line
    if last:
        sample.append(json.loads(last))  # the report, with every object_ref
    r = validate_string(
        json.dumps({"type": "bundle", "id": head["id"], "objects": sample}), ValidationOptions(version="2.1")
    )
    return len(sample), len(r.errors), len(r.warnings)


def main() -> None:
    global N_PERSONAS
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--sample", type=int, default=400)
    ap.add_argument("--child", nargs=2, metavar=("DB", "OUT"))
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    N_PERSONAS = max(1, args.n // 4)
    from lurewatch.store.db import Store

    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "bench.sqlite"
        rng = random.Random(7)
        t0 = time.perf_counter()
        store = Store(db)
        batch: list[dict] = []
        for i in range(args.n):
            batch.append(contract(i, rng))
            if len(batch) == 5000:
                store.save(batch)
                batch = []
        if batch:
            store.save(batch)
        fill = time.perf_counter() - t0
        out = Path(d) / "bundle.json"
        env = dict(os.environ)
        res = subprocess.run(
            [sys.executable, __file__, "--child", str(db), str(out)],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        r = json.loads(res.stdout.strip().splitlines()[-1])
        size_mb = out.stat().st_size / 1e6
        t1 = time.perf_counter()
        n_val, errors, warnings = validate_sample(out, args.sample, r["objects"])
        vsecs = time.perf_counter() - t1
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(
        f"approaches: {args.n:,} ({N_PERSONAS:,} personas); store fill {fill:.1f} s (not part of the export)"
    )
    print(
        f"export: {r['seconds']:.1f} s wall, {r['cpu_seconds']:.1f} s CPU "
        f"({args.n / r['cpu_seconds']:,.0f} approaches per CPU second), peak RSS {r['peak_rss_mb']:.0f} MB"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (the machine is shared by several jobs)")
    print(f"bundle: {r['objects']:,} objects, {size_mb:.0f} MB; by type: {r['by_type']}")
    print(
        f"stix2-validator on a sample of {n_val} objects: {errors} errors, {warnings} warnings ({vsecs:.1f} s)"
    )


if __name__ == "__main__":
    main()
