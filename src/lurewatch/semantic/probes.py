"""Fitted behaviour probes shipped with the package, so that loading the layer costs no encoding.

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
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

PROBE_C = 2.0  # logistic-regression regularisation of every probe
CHECK_SENTENCE = "Could you send me the internal roadmap before our call on Friday?"
CHECK_TOLERANCE = 1e-3  # max abs difference of the check vector (onnxruntime builds differ in the last bits)
MODELS = Path(__file__).resolve().parent.parent / "models"


@dataclass(slots=True)
class TrainingSet:
    """What each family's probe is fitted on (positives first, then negatives) and its exemplars."""

    family: str
    positives: list[str]
    negatives: list[str]
    exemplars: list[str]


@dataclass(slots=True)
class FittedProbes:
    W: np.ndarray  # (dim, n_families)
    b: np.ndarray  # (n_families,)
    ex_vecs: dict[str, np.ndarray]  # family -> (n_exemplars, dim)


def training_sets(families: Sequence[Any], rule_ex: dict[str, tuple[list[str], list[str]]]) -> list[TrainingSet]:
    """Each family's positives (its exemplars and its rules' positive examples) and negatives (its contrast
    sentences, every rule's negative examples and the other families' positives)."""
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
    for _p, n in rule_ex.values():
        generic += n  # ordinary, legitimate sentences
    out = []
    for f in families:
        others = [s for g, v in pos.items() if g != f.family for s in v]
        p = list(dict.fromkeys(pos[f.family]))
        pset = set(p)
        n = [s for s in dict.fromkeys(neg[f.family] + generic + others) if s not in pset]
        out.append(TrainingSet(f.family, p, n, list(f.exemplars)))
    return out


def data_key(encoder_name: str, sets: Sequence[TrainingSet]) -> str:
    blob = json.dumps({"encoder": encoder_name, "C": PROBE_C, "floor_free": True,
                       "sets": [[s.family, s.positives, s.negatives, s.exemplars] for s in sets]},
                      ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def fit(encoder: Any, sets: Sequence[TrainingSet]) -> FittedProbes:
    """One balanced logistic regression per family over the sentence vectors."""
    from sklearn.linear_model import LogisticRegression

    texts = sorted({x for s in sets for x in (*s.positives, *s.negatives, *s.exemplars)})
    vec = dict(zip(texts, encoder.encode(texts), strict=True))
    ws, bs, ex = [], [], {}
    for s in sets:
        X = np.array([vec[x] for x in s.positives + s.negatives])
        y = np.array([1] * len(s.positives) + [0] * len(s.negatives))
        clf = LogisticRegression(C=PROBE_C, class_weight="balanced", max_iter=2000).fit(X, y)
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
