"""Measure one blind set once, before any tuning: what `scan` (static table), `check` (full model) and the
rules alone (`--semantic off`) flag, with the misses and false positives named. Prints the lines to pin in
tests/test_detection_quality.py and to report in docs/detection-quality.md.

    python scripts/measure_set.py blind17            # tests/data/blind17/approaches.yaml
    python scripts/measure_set.py NAME path/to/approaches.yaml

Run it on a new set before anything is changed for it, and record the commit it ran at.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from lurewatch.learned.labelled import load_yaml_set  # noqa: E402
from lurewatch.pipeline import Analyser  # noqa: E402
from lurewatch.scoring.providers import ScanContext  # noqa: E402

MODES = (("static", "`scan` default (static table)"), ("full", "`check` (full model)"),
         ("off", "rules alone (`--semantic off`)"))


def main() -> None:
    name = sys.argv[1]
    path = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "tests" / "data" / name / "approaches.yaml"
    rows = load_yaml_set(path, name)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    print(f"{name}: {len(rows)} cases, measured at {commit}")
    for encoder, label in MODES:
        an = Analyser(ScanContext(use_photos=False, semantic=encoder))
        scored = [(r, an.analyse_one(r.approach)) for r in rows]
        hostile = [(r, a) for r, a in scored if r.hostile]
        legit = [(r, a) for r, a in scored if not r.hostile]
        flagged = sum(a.level != "low" for _, a in hostile)
        fp = [(r, a) for r, a in legit if a.level != "low"]
        high = sum(a.level == "high" for _, a in fp)
        print(f"| {label} | {flagged}/{len(hostile)} | {len(fp)}/{len(legit)} | {high}/{len(legit)} |")
        print("    missed:", " ".join(f"{r.case_id} ({a.score})" for r, a in hostile if a.level == "low") or "none")
        print("    legitimate flagged:", " ".join(f"{r.case_id} ({a.score} {a.level})" for r, a in fp) or "none")
        if encoder != "off":
            print(f'    pin: ("{name}", "{encoder}", {flagged}, {len(fp)}, {high}),')


if __name__ == "__main__":
    main()
