"""`scan` at scale: a message table of N messages, the local engine (--jobs 2) and Spark local[2], whole process.

    python bench/bench_scan_scale.py --messages 300000 1000000 [--engines local spark] [--out bench/out/scale]

For each N: writes bench/gen_messages.py's JSON Lines table (if absent), runs `lurewatch scan TABLE -f jsonl -o
OUT -q --no-photos` with `--jobs 2` and with `--engine spark --spark-master local[2]`, and reports the wall
time, the CPU time and the peak resident memory of the whole process tree (sampled from /proc every 0.2 s:
the JVM and Spark's Python workers are children of the driver), then whether both outputs are identical
and the growth exponent of the peak memory between successive N (log peak ratio / log N ratio).
"""

from __future__ import annotations

import argparse
import filecmp
import math
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))


def _sample(root: int, cpu: dict[int, float]) -> int:
    """Summed RSS (bytes) of `root` and its descendants; records each one's CPU seconds so far in `cpu`."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    ticks: dict[int, float] = {}
    page, hz = os.sysconf("SC_PAGE_SIZE"), os.sysconf("SC_CLK_TCK")
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            f = (d / "stat").read_text().rsplit(")", 1)[1].split()
            pid = int(d.name)
            parents[pid], rss[pid], ticks[pid] = int(f[1]), int(f[21]) * page, (int(f[11]) + int(f[12])) / hz
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        p = frontier.pop()
        for c, pp in parents.items():
            if pp == p and c not in tree:
                tree.add(c)
                frontier.append(c)
    for p in tree:
        if p in ticks:
            cpu[p] = max(cpu.get(p, 0.0), ticks[p])
    return sum(rss.get(p, 0) for p in tree)


def measure(argv: list[str]) -> tuple[int, float, float, int]:
    """(exit code, wall s, CPU s of the tree, peak tree RSS bytes)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), SPARK_LOCAL_IP="127.0.0.1")
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    cpu: dict[int, float] = {}
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _sample(proc.pid, cpu))
        time.sleep(0.2)
    wall = time.monotonic() - t0
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.returncode:
        print(err[-2000:], file=sys.stderr)
    return proc.returncode, wall, sum(cpu.values()), peak


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, nargs="+", default=[100_000, 300_000])
    ap.add_argument("--engines", nargs="+", default=["local", "spark"])
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "scale")
    args = ap.parse_args()
    import gen_messages

    cli = [sys.executable, "-c", "from lurewatch.cli import main; main()", "scan"]
    peaks: dict[str, list[tuple[int, int]]] = {e: [] for e in args.engines}
    for n in args.messages:
        table = args.out / f"messages-{n}.jsonl"
        if not table.exists():
            gen_messages.write(n, table)
        outs = {}
        for engine in args.engines:
            out = args.out / f"out-{n}-{engine}.jsonl"
            extra = ["--jobs", "2"] if engine == "local" else ["--engine", "spark", "--spark-master", "local[2]"]
            code, wall, cpu, peak = measure([*cli, str(table), "-f", "jsonl", "-o", str(out), "-q", "--no-photos",
                                             *extra])
            lines = out.read_bytes().count(b"\n") if out.exists() else 0
            print(f"{n:>10,} messages  {engine:5}  exit {code}  wall {wall:7.1f} s  CPU {cpu:7.1f} s  "
                  f"{n / wall:8,.0f} msg/s  peak tree RSS {peak / 2**20:7,.0f} MB  approaches {lines:,}", flush=True)
            peaks[engine].append((n, peak))
            outs[engine] = out
        if len(outs) == 2 and all(p.exists() for p in outs.values()):
            print(f"{n:>10,} messages  outputs identical: {filecmp.cmp(*outs.values(), shallow=False)}", flush=True)
    for engine, pts in peaks.items():
        for (n1, p1), (n2, p2) in zip(pts, pts[1:], strict=False):
            print(f"{engine}: growth exponent of peak memory {n1:,} -> {n2:,}: "
                  f"{math.log(p2 / p1) / math.log(n2 / n1):.2f}")


if __name__ == "__main__":
    main()
