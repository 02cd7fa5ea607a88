"""Train the job-advert text model on EMSCAD and write it to src/lurewatch/models/text_job_advert.json.

    python scripts/train_text_model.py [--data ../shared/data/emscad/job_postings_dev.csv] [--out PATH]

Prints the cross-validated metrics. The same as `lurewatch train --text-model CSV`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lurewatch.learned.train_text import TrainConfig, train

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/emscad/job_postings_dev.csv")
    ap.add_argument("--out", type=Path, default=ROOT / "src/lurewatch/models/text_job_advert.json")
    ap.add_argument("--no-cv", action="store_true", help="skip cross-validation")
    ap.add_argument("--max-terms", type=int, default=TrainConfig().max_terms)
    ap.add_argument("--C", type=float, default=TrainConfig().C)
    ap.add_argument("--bigrams", action="store_true", help="add word bigrams (slower to score)")
    args = ap.parse_args()
    cfg = TrainConfig(C=args.C, max_terms=args.max_terms, bigrams=args.bigrams)
    model = train(args.data, args.out, cfg, run_cv=not args.no_cv)
    print(json.dumps({k: model[k] for k in ("trained_on", "cv") if k in model}, indent=2))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB, {len(model['terms'])} terms)")


if __name__ == "__main__":
    main()
