"""Run a command and report its wall time, CPU time (user + sys of it and its children) and the peak of the
summed resident memory of its whole process tree (sampled from /proc every 0.2 s; Linux only).

    python bench/tree_rss.py -- lurewatch scan DIR -f jsonl -o out.jsonl -q --jobs 2

`getrusage`'s ru_maxrss gives only the largest single process, which hides what worker processes hold.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path


def _tree_rss(root: int) -> int:
    """Summed RSS in bytes of `root` and its descendants (from /proc/*/stat parent ids)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            parents[int(d.name)] = int(fields[1])
            rss[int(d.name)] = int(fields[21]) * page
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        p = frontier.pop()
        for c, pp in parents.items():
            if pp == p and c not in tree:
                tree.add(c)
                frontier.append(c)
    return sum(rss.get(p, 0) for p in tree)


def main() -> None:
    argv = sys.argv[1:]
    if argv and argv[0] == "--":
        argv = argv[1:]
    t0 = time.monotonic()
    proc = subprocess.Popen(argv)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc.pid))
        time.sleep(0.2)
    wall = time.monotonic() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"exit {proc.returncode}  wall {wall:.1f} s  CPU {ru.ru_utime + ru.ru_stime:.1f} s  "
          f"peak tree RSS {peak / 2**20:,.0f} MB  largest process {ru.ru_maxrss / 1024:,.0f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
