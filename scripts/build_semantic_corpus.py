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
import os
from pathlib import Path

import yaml

from lurewatch.indicators.engine import Engine
from lurewatch.learned.labelled import CORPUS_SETS, load_yaml_set
from lurewatch.pipeline import Analyser
from lurewatch.scoring.providers import ScanContext
from lurewatch.semantic.layer import parse_families, sender_sentences
from lurewatch.semantic.probes import CORPUS_PATH

ROOT = Path(__file__).resolve().parents[1]
QUOTE_PREFIX = 60  # a finding quotes its sentence (possibly cut): match on the first characters


# Hostile sentences labelled by annotators (tests/data/<set>/asks.yaml: case id -> [{family, sentence}]):
# "union" adds them to the sentences the rules quote, "replace" uses them alone where a set has them.
ASKS_MODE = os.environ.get("LW_CORPUS_ASKS", "union")
FAMILIES = ("request", "people", "secrecy", "offplatform", "payment", "travel", "files", "credentials")


def load_asks(path: Path) -> dict[str, list[dict[str, str]]] | None:
    if not path.is_file():
        return None
    doc = yaml.safe_load(path.read_text("utf-8")) or {}
    return {str(k): [m for m in (v or []) if isinstance(m, dict) and m.get("family") in FAMILIES
                     and isinstance(m.get("sentence"), str)] for k, v in doc.items()}


def _norm(text: str) -> str:
    return " ".join(text.split()).strip(" .!?\"'").casefold()


def _overlaps(marked: str, sentence: str) -> bool:
    """The layer's sentence and the annotated one are the same words (either may hold the other: the two
    sentence splitters differ on abbreviations, quotes and line breaks)."""
    a, b = _norm(marked), _norm(sentence)
    return len(min(a, b, key=len)) >= 12 and (a in b or b in a)


def main() -> None:
    families = parse_families(Engine.load().documents)
    family_of_rule = {rid: f.family for f in families for rid in f.rule_ids}
    rules = Analyser(ScanContext(use_photos=False, use_text_model=False, semantic="off"), combiner=False)
    asks = {name: load_asks(ROOT / "tests/data" / name / "asks.yaml") for name in CORPUS_SETS} if ASKS_MODE != "off" else {}
    asks = {k: v for k, v in asks.items() if v is not None}
    rows = []
    for name in CORPUS_SETS:
        for lab in load_yaml_set(ROOT / "tests/data" / name / "approaches.yaml", name):
            sents = list(dict.fromkeys(s for s, _ in sender_sentences(lab.approach)))
            if not lab.hostile:
                rows += [{"set": name, "text": s, "families": [], "legitimate": True} for s in sents]
                continue
            pos: dict[str, set[str]] = {}
            marked = asks.get(name, {}).get(lab.case_id) if name in asks else None
            if marked is not None:  # the annotators' reading of this case: which sentences carry which ask
                for m in marked:
                    for s in sents:
                        if _overlaps(m["sentence"], s):
                            pos.setdefault(s, set()).add(m["family"])
                if ASKS_MODE == "replace":
                    rows += [{"set": name, "text": s, "families": sorted(p), "legitimate": False}
                             for s, p in pos.items()]
                    continue
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
