"""Fit the behaviour probes of the built-in rule files and write them into the package (both encoders).

    python scripts/fit_semantic_probes.py [--encoder full|static|both]

Run it after changing any `semantic:` entry or any message rule's examples; tests/test_semantic_probes.py
fails while the shipped probes are stale (the product still works: it fits them on load).
"""

from __future__ import annotations

import argparse

from lurewatch.indicators.engine import Engine
from lurewatch.semantic import probes
from lurewatch.semantic.encoder import load_encoder
from lurewatch.semantic.layer import parse_families, rule_examples


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--encoder", choices=["full", "static", "both"], default="both")
    args = ap.parse_args()
    docs = Engine.load().documents
    sets = probes.training_sets(parse_families(docs), rule_examples(docs), probes.load_corpus())
    for kind in (["static", "full"] if args.encoder == "both" else [args.encoder]):
        enc = load_encoder(kind)
        fitted = probes.fit(enc, sets)
        path = probes.shipped_path(enc.name)
        probes.save(path, enc, sets, fitted)
        print(f"{enc.name}: {len(sets)} families, {sum(len(s.positives) + len(s.negatives) for s in sets)} "
              f"training rows -> {path} ({path.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
