"""Fit the behaviour probes of the built-in rule files and write them into the package (both encoders).

    python scripts/fit_semantic_probes.py [--encoder full|static|both] [--refresh-rule-negatives]

Run it after changing any `semantic:` entry or the examples of a rule that a family lists; tests/test_semantic_probes.py
fails while the shipped probes are stale (the product still works: it fits them on load). Every rule's negative
examples are read by every probe from a frozen list (models/semantic-rule-negatives.json);
`--refresh-rule-negatives` takes them afresh from the rule files. That is a model change: measure it leave one
set out (scripts/train_combiner.py) and on the held-out sets before landing it.
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
    ap.add_argument("--refresh-rule-negatives", action="store_true",
                    help="take every rule's negative examples afresh from the rule files (a model change)")
    args = ap.parse_args()
    docs = Engine.load().documents
    if args.refresh_rule_negatives:
        probes.write_rule_negatives(probes.live_rule_negatives(rule_examples(docs)))
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
