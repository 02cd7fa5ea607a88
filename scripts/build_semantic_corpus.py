"""Sentence-level training data for the semantic probes, from the project's labelled blind sets.

The probes' exemplars are a few hundred sentences written by the project; the blind sets hold thousands of
sentences written by eleven people who never saw the detector. Every sentence a sender wrote (as the layer
reads it: inbound messages, quoted replies removed) becomes a row:

- in a **legitimate** approach: a negative for every family (ordinary mail: "open to a chat?", fees on
  published rates, job specs);
- in a **hostile** approach: a positive for a family when a rule of that family quotes the sentence as its
  evidence (the rules as they are now); other sentences of hostile approaches are left out (they are mostly
  rapport, neither positive nor safe as negatives).

Caveat (docs/semantic.md): the positive labels come from today's rules, which were tuned on sets 1-9, so a
rule tuned on one set's wording may label similar sentences in another; the leave-one-set-out measurement
leaves each set's own sentences out of the probes, not that influence.

Output: src/lurewatch/models/semantic-corpus.jsonl.gz (package data; the sets themselves are not shipped).

    python scripts/build_semantic_corpus.py
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from lurewatch.indicators.engine import Engine
from lurewatch.learned.labelled import BLIND_SETS, load_yaml_set
from lurewatch.pipeline import Analyser
from lurewatch.scoring.providers import ScanContext
from lurewatch.semantic.layer import parse_families, sender_sentences
from lurewatch.semantic.probes import CORPUS_PATH

ROOT = Path(__file__).resolve().parents[1]
QUOTE_PREFIX = 60  # a finding quotes its sentence (possibly cut): match on the first characters


def main() -> None:
    families = parse_families(Engine.load().documents)
    family_of_rule = {rid: f.family for f in families for rid in f.rule_ids}
    rules = Analyser(ScanContext(use_photos=False, use_text_model=False, semantic="off"), combiner=False)
    rows = []
    for name in BLIND_SETS:
        for lab in load_yaml_set(ROOT / "tests/data" / name / "approaches.yaml", name):
            sents = list(dict.fromkeys(s for s, _ in sender_sentences(lab.approach)))
            if not lab.hostile:
                rows += [{"set": name, "text": s, "families": [], "legitimate": True} for s in sents]
                continue
            pos: dict[str, set[str]] = {}
            for f in rules.analyse_one(lab.approach).findings:
                fam = family_of_rule.get(f.indicator)
                if not fam or not f.evidence.startswith('"'):
                    continue
                quote = f.evidence.split('"')[1].rstrip("…")[:QUOTE_PREFIX]
                for s in sents:
                    if quote and quote in s:
                        pos.setdefault(s, set()).add(fam)
            rows += [{"set": name, "text": s, "families": sorted(p), "legitimate": False} for s, p in pos.items()]
    with gzip.open(CORPUS_PATH, "wt", encoding="utf-8", compresslevel=9) as fh:
        for r in sorted(rows, key=lambda r: (r["set"], r["text"])):
            fh.write(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n")
    n_pos = sum(bool(r["families"]) for r in rows)
    print(f"{len(rows)} sentences ({n_pos} positives, {len(rows) - n_pos} negatives) -> {CORPUS_PATH}")


if __name__ == "__main__":
    main()
