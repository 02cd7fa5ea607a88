"""Benchmark: job-advert (EMSCAD CSV) and mbox ingest on synthetic files.

Run: python bench/bench_ingest_mail_adverts.py [n_adverts] [n_messages]   (defaults 100000 and 20000)
"""

from __future__ import annotations

import csv
import gc
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from lurewatch.ingest.email import load_mail
from lurewatch.ingest.jobads import EMSCAD_FIELDS, load_adverts
from lurewatch.model import IngestResult

COLUMNS = ["job_id", *sorted(EMSCAD_FIELDS - {"job_id"})]
WORDS = [
    "analyst", "research", "remote", "paid", "report", "policy", "energy", "security", "travel", "flexible",
    "hours", "team", "client", "experience", "required", "benefits", "salary", "office", "London", "€2,000",
    "#URL_ab12cd#", "<br>", "&amp;", "the", "of", "and", "to", "in",
] * 5000 + ["â€“"]  # mojibake in ~0.5% of adverts, as in the EMSCAD sample


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def write_adverts(path: Path, n: int) -> None:
    rng = random.Random(1)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for i in range(n):
            row = {c: _text(rng, 3) for c in COLUMNS}
            row.update(job_id=str(i), description=_text(rng, 250), company_profile=_text(rng, 60),
                       requirements=_text(rng, 60), benefits=_text(rng, 30), telecommuting=rng.choice("01"),
                       has_company_logo=rng.choice("01"), has_questions=rng.choice("tf"),
                       fraudulent=rng.choice("01"))
            w.writerow([row[c] for c in COLUMNS])


def write_mbox(path: Path, n: int) -> None:
    rng = random.Random(2)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            root = i - i % 3  # threads of three: sender, owner reply, sender
            sender = f"s{root}@corp{root % 50}.example"
            frm, to = ("owner@example.org", sender) if i % 3 == 1 else (sender, "owner@example.org")
            refs = f"In-Reply-To: <m{i - 1}@x>\nReferences: <m{root}@x>\n" if i % 3 else ""
            subject = f"{'Re: ' if i % 3 else ''}Offer {root}"
            fh.write(f"From {frm} Mon Mar  2 08:00:00 2026\nFrom: Person {i} <{frm}>\nTo: {to}\n"
                     f"Subject: {subject}\nDate: Mon, 2 Mar 2026 08:{i % 60:02d}:00 +0000\n"
                     f"Message-ID: <m{i}@x>\n{refs}Content-Type: text/plain; charset=utf-8\n\n"
                     f"{_text(rng, 120)}\n\n")


def _timed(label: str, fn: Callable[[Path], IngestResult], path: Path, unit: str) -> None:
    for gc_on in (True, False):  # the dispatcher (load_inputs) pauses the cyclic GC while loading
        gc.collect()
        if not gc_on:
            gc.disable()
        try:
            t, c = time.perf_counter(), time.process_time()
            res = fn(path)
            dt, cpu = time.perf_counter() - t, time.process_time() - c
        finally:
            gc.enable()
        n = res.rows_read
        print(f"{label} (GC {'on' if gc_on else 'paused'}): {n:,} {unit}, {len(res.approaches):,} approaches, "
              f"{path.stat().st_size / 1e6:.0f} MB: {dt:.2f} s wall, {cpu:.2f} s CPU ({n / cpu:,.0f} {unit}/s CPU), "
              f"peak RSS so far {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB, "
              f"problems={len(res.problems)}")
        del res


def main() -> None:
    n_ads = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    n_msgs = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
    with tempfile.TemporaryDirectory() as tmp:
        ads, box = Path(tmp) / "ads.csv", Path(tmp) / "box.mbox"
        write_adverts(ads, n_ads)
        write_mbox(box, n_msgs)
        _timed("mbox", load_mail, box, "messages")
        _timed("adverts", load_adverts, ads, "adverts")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
