"""The behaviour probes: what each is fitted on, and their fitted form shipped with the package.

Each family's probe is fitted on its exemplars and contrast sentences and the rules' examples (the rule
files), and on the sentence corpus of the labelled blind sets (`semantic-corpus.jsonl.gz`, made by
``scripts/build_semantic_corpus.py``): every sentence of a legitimate approach is a negative for every
family, and a hostile approach's sentence that a rule of the family quotes is a positive. The corpus
teaches the probes how ordinary mail is really worded, which exemplars alone did not (docs/semantic.md).

Fitting the probes means encoding every exemplar, contrast sentence and rule example (about a thousand
sentences): milliseconds with the static table, about 20 s of CPU with the full model. The fitted weights
and the exemplar vectors are therefore shipped in ``lurewatch/models/semantic-probes-<encoder>.npz``
(written by ``scripts/fit_semantic_probes.py``), keyed by a hash of everything the fit reads: the encoder's
name, the probe settings and the exact sentences on each side of each family. A loaded file is used only if
its key equals the key of the rule files in use *and* the encoder gives the stored vector for a check
sentence (so a different model under the same name is never trusted); otherwise the layer fits the probes
itself, as before. Adding your own rules (LUREWATCH_RULES) changes the key: your probes are fitted on load.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

PROBE_C = 2.0  # logistic-regression regularisation of every probe
CURATED_WEIGHT = 4.0  # a sentence from the rule files counts as this many corpus sentences
CORPUS_POSITIVE_WEIGHT = 0.5  # a corpus sentence a rule quoted or an annotator marked, as a positive of its family (1.0 measured:
# more topic-bound probes, e.g. a friendly "how is the new lab going" read as an ask; docs/semantic.md)
CHECK_SENTENCE = "Could you send me the internal roadmap before our call on Friday?"
FIT_BATCH = 5_000  # sentences encoded per call while fitting (each encoder refuses more than 10,000 a call)
CHECK_TOLERANCE = 1e-3  # max abs difference of the check vector (onnxruntime builds differ in the last bits)
MODELS = Path(__file__).resolve().parent.parent / "models"
CORPUS_PATH = MODELS / "semantic-corpus.jsonl.gz"
MAX_CORPUS_BYTES = 8_000_000  # compressed; the shipped file is well under 1 MB
# The rules' negative examples that every probe reads as ordinary sentences, frozen when the probes were last
# fitted (scripts/fit_semantic_probes.py --refresh-rule-negatives). A rule's examples are probe data: read live,
# every new or edited rule refitted every probe and moved approaches at the line in both directions (measured
# with LW-CYBER-013, 7 December 2026). Frozen, a rule change changes the rules' findings and nothing else
# until the probes are refitted on purpose and measured like any other model change.
RULE_NEGATIVES_PATH = MODELS / "semantic-rule-negatives.json"
MAX_RULE_NEGATIVES_BYTES = 2_000_000


@dataclass(slots=True, frozen=True)
class CorpusSentence:
    set: str
    text: str
    families: tuple[str, ...]  # families it is a positive of (empty: a negative for every family)
    legitimate: bool


def load_corpus(path: Path | None = None) -> list[CorpusSentence]:
    """The labelled sentences shipped with the package (none if the file is missing or damaged)."""
    import gzip

    path = path or CORPUS_PATH
    try:
        if not path.is_file() or path.stat().st_size > MAX_CORPUS_BYTES:
            return []
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
        return [CorpusSentence(str(r["set"]), str(r["text"])[:400], tuple(str(f) for f in r["families"]),
                               bool(r["legitimate"])) for r in rows]
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        return []


@dataclass(slots=True)
class TrainingSet:
    """What each family's probe is fitted on (positives first, then negatives) and its exemplars."""

    family: str
    positives: list[str]
    negatives: list[str]
    exemplars: list[str]
    curated: frozenset[str] = frozenset()  # the sentences from the rule files (the rest: the corpus)


@dataclass(slots=True)
class FittedProbes:
    W: np.ndarray  # (dim, n_families)
    b: np.ndarray  # (n_families,)
    ex_vecs: dict[str, np.ndarray]  # family -> (n_exemplars, dim)


def live_rule_negatives(rule_ex: dict[str, tuple[list[str], list[str]]]) -> list[str]:
    """Every rule's negative examples, in rule order (ordinary, legitimate sentences)."""
    return [x for _p, n in rule_ex.values() for x in n]


def load_rule_negatives(path: Path | None = None) -> list[str] | None:
    """The frozen rule negatives shipped with the probes (None if the file is missing or damaged)."""
    path = path or RULE_NEGATIVES_PATH
    try:
        if not path.is_file() or path.stat().st_size > MAX_RULE_NEGATIVES_BYTES:
            return None
        doc = json.loads(path.read_text("utf-8"))
        if not isinstance(doc, list) or not all(isinstance(x, str) for x in doc):
            return None
        return doc
    except (OSError, ValueError):
        return None


def write_rule_negatives(sentences: Sequence[str], path: Path | None = None) -> None:
    (path or RULE_NEGATIVES_PATH).write_text(json.dumps(list(sentences), ensure_ascii=False, indent=0) + "\n",
                                             "utf-8")


def training_sets(families: Sequence[Any], rule_ex: dict[str, tuple[list[str], list[str]]],
                  corpus: Sequence[CorpusSentence] = (), exclude_sets: Sequence[str] = (),
                  rule_negatives: Sequence[str] | None = None) -> list[TrainingSet]:
    """Each family's positives (its exemplars, its rules' positive examples, the corpus sentences labelled
    with it) and negatives (its contrast sentences, every rule's negative examples, the other families'
    positives, the corpus sentences of legitimate approaches). `exclude_sets`: corpus sets left out (to
    measure a set with probes that never saw it). `rule_negatives`: the rules' negative examples read as
    ordinary sentences by every probe; by default the frozen list (RULE_NEGATIVES_PATH), or, if it is
    missing, those of `rule_ex`.

    A mitigating family (a sign of legitimate outreach) is a negative of every asking family like any other
    family, but ordinary sentences that touch its topics (employer, confidentiality, policy...) are left out
    of its own negatives, since the corpus does not say which of them protect the recipient."""
    skip = set(exclude_sets)
    corpus = [c for c in corpus if c.set not in skip]
    pos: dict[str, list[str]] = {}
    neg: dict[str, list[str]] = {}
    generic: list[str] = []
    for f in families:
        pos[f.family] = list(f.exemplars)
        neg[f.family] = list(f.contrast)
        for rid in f.rule_ids:
            p, n = rule_ex.get(rid, ([], []))
            pos[f.family] += p
            neg[f.family] += n
    if rule_negatives is None:
        rule_negatives = load_rule_negatives()
    generic += rule_negatives if rule_negatives is not None else live_rule_negatives(rule_ex)  # ordinary sentences
    curated = frozenset(x for v in (*pos.values(), *neg.values(), generic) for x in v)
    mitigating = {f.family for f in families if getattr(f, "mitigating", False)}
    # Other families' exemplar-side positives are negatives; corpus positives are not (a sentence a rule of
    # one family quoted may well express another family's behaviour too).
    others_of = {f.family: [s for g, v in pos.items() if g != f.family for s in v] for f in families}
    asked = [c.text for c in corpus if c.families]  # hostile sentences a rule of an asking family quoted
    for c in corpus:
        for fam in c.families:
            if fam in pos:
                pos[fam].append(c.text)
    generic += [c.text for c in corpus if c.legitimate]
    out = []
    for f in families:
        p = list(dict.fromkeys(pos[f.family]))
        pset = set(p)
        if f.family in mitigating:
            pool = neg[f.family] + [s for s in generic if not _PROTECTIVE_TOPIC.search(s)] + others_of[f.family] + asked
        else:
            pool = neg[f.family] + generic + others_of[f.family]
        n = [s for s in dict.fromkeys(pool) if s not in pset]
        out.append(TrainingSet(f.family, p, n, list(f.exemplars), curated))
    return out


# Topics of a protective sentence: an ordinary sentence naming one may well be one, so it is no negative.
_PROTECTIVE_TOPIC = re.compile(
    r"employer|polic(?:y|ies)|complian|confidential|proprietary|\bpublic|publish|"
    r"approv|permission|permit|allowed|\blegal\b|\bnda\b|export|securit|manager|institution|universit|"
    r"research office|tech(?:nology)? transfer|process|portal|official|declin|conflict|obligation|"
    r"interest|consent|ethic|withdraw|rules?\b|contract|agreement", re.I)


def data_key(encoder_name: str, sets: Sequence[TrainingSet]) -> str:
    blob = json.dumps({"encoder": encoder_name, "C": PROBE_C, "curated_weight": CURATED_WEIGHT,
                       "corpus_positive_weight": CORPUS_POSITIVE_WEIGHT,
                       "sets": [[s.family, s.positives, s.negatives, s.exemplars, sorted(s.curated)] for s in sets]},
                      ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def fit(encoder: Any, sets: Sequence[TrainingSet]) -> FittedProbes:
    """One balanced logistic regression per family over the sentence vectors."""
    from sklearn.linear_model import LogisticRegression

    texts = sorted({x for s in sets for x in (*s.positives, *s.negatives, *s.exemplars)})
    vec = {}
    for i in range(0, len(texts), FIT_BATCH):
        vec.update(zip(texts[i:i + FIT_BATCH], encoder.encode(texts[i:i + FIT_BATCH]), strict=True))
    ws, bs, ex = [], [], {}
    for s in sets:
        rows = s.positives + s.negatives
        X = np.array([vec[x] for x in rows])
        y = np.array([1] * len(s.positives) + [0] * len(s.negatives))
        w = np.array([CURATED_WEIGHT if x in s.curated else (CORPUS_POSITIVE_WEIGHT if i < len(s.positives) else 1.0)
                      for i, x in enumerate(rows)])
        keep = w > 0
        X, y, w = X[keep], y[keep], w[keep]
        clf = LogisticRegression(C=PROBE_C, class_weight="balanced", max_iter=3000).fit(X, y, sample_weight=w)
        ws.append(clf.coef_[0])
        bs.append(clf.intercept_[0])
        ex[s.family] = np.array([vec[x] for x in s.exemplars], dtype=np.float32)
    return FittedProbes(np.array(ws, dtype=np.float32).T, np.array(bs, dtype=np.float32), ex)


def shipped_path(encoder_name: str) -> Path:
    return MODELS / f"semantic-probes-{encoder_name}.npz"


def save(path: Path, encoder: Any, sets: Sequence[TrainingSet], probes: FittedProbes) -> None:
    families = [s.family for s in sets]
    np.savez_compressed(
        path, key=np.array(data_key(encoder.name, sets)), families=np.array(families),
        W=probes.W, b=probes.b, check=encoder.encode([CHECK_SENTENCE])[0],
        **{f"ex_{i}": probes.ex_vecs[f] for i, f in enumerate(families)},
    )


def load_shipped(encoder: Any, sets: Sequence[TrainingSet], path: Path | None = None) -> FittedProbes | None:
    """The shipped probes if they were fitted on exactly these sentences with this encoder, else None."""
    path = path or shipped_path(getattr(encoder, "name", ""))
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            if str(z["key"]) != data_key(encoder.name, sets):
                return None
            families = [str(x) for x in z["families"]]
            if families != [s.family for s in sets]:
                return None
            check = encoder.encode([CHECK_SENTENCE])[0]
            if z["check"].shape != check.shape or float(np.max(np.abs(z["check"] - check))) > CHECK_TOLERANCE:
                return None
            return FittedProbes(z["W"].astype(np.float32), z["b"].astype(np.float32),
                                {f: z[f"ex_{i}"].astype(np.float32) for i, f in enumerate(families)})
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):  # a damaged file: fit instead
        return None
