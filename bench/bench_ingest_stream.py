"""Ingest alone of a LinkedIn export, messages.csv read whole or streamed (linkedin_stream): CPU time,
peak RSS and the approaches out. Run once per mode (a fresh process each, for its own peak):

    python bench/bench_ingest_stream.py bench/out/scan/realistic-100000 --stream 0
    python bench/bench_ingest_stream.py bench/out/scan/realistic-100000 --stream 1
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("export", type=Path)
    ap.add_argument("--stream", choices=("0", "1"), required=True)
    args = ap.parse_args()
    os.environ["LUREWATCH_CSV_STREAM"] = args.stream
    from lurewatch.ingest import load_inputs

    t = time.process_time()
    result = load_inputs([args.export], stream=True)
    n = len(result.approaches) + sum(1 for stream in result.pending for _ in stream)
    cpu = time.process_time() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"stream={args.stream}  approaches {n}  rows {result.rows_read}  ingest CPU {cpu:.2f} s  "
          f"peak RSS {rss:,.0f} MB")


if __name__ == "__main__":
    main()
