"""Retrain the score combiner from analysts' closed cases, checked on held-out cases before adoption.

An organisation has tens or hundreds of closed cases, not thousands: too few to fit the combiner afresh
(about 25 inputs) without over-fitting. The cases therefore *adjust* the shipped model rather than replace
it: a logistic regression whose log-odds are the shipped model's plus a correction
``d0 + sum(d_j * x_j)``, with an L2 penalty that pulls every ``d_j`` (not ``d0``) towards zero. With few
cases the model stays close to the shipped one; with many, it follows the organisation's own evidence.
scikit-learn's LogisticRegression has no offset term, so this small objective is minimised with SciPy's
L-BFGS (a dozen lines; statsmodels' GLM offset would add a dependency for one call).

The inputs are recomputed from each case's messages with today's rules, semantic layer and (candidate)
weights, so a case closed a year ago is read as a scan would read it now; a case stored without its
messages falls back to its recorded findings. The held-out split is the one the weight recalibration uses
(same seed, same share, stratified), and the check is the same: held-out F1 and recall at the medium level
must not drop compared with the combiner in use. The probability thresholds of medium and high are kept:
the correction recalibrates the probabilities themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import minimize
from sklearn.metrics import precision_recall_fscore_support

from lurewatch.learned.cases import LabelledCase
from lurewatch.learned.combiner import Combiner, features
from lurewatch.model import Approach, Finding

PENALTY = 4.0  # L2 strength on the corrections, per case-equivalent (larger: stay closer to the shipped model)


@dataclass(slots=True)
class CaseFeatures:
    x: dict[str, float]
    label: int


def case_features(cases: list[LabelledCase], analyser: Any) -> list[CaseFeatures]:
    """The combiner's inputs for every case, as a scan with this analyser (weights, layer) would make them."""
    from lurewatch.ingest.contract import approach_from_contract
    from lurewatch.scoring.combine import score_findings
    from lurewatch.semantic.layer import CATEGORY as SEMANTIC

    out = []
    for c in cases:
        a: Approach | None = None
        if c.contract and c.contract.get("messages"):
            try:
                a = approach_from_contract(c.contract)
            except (ValueError, TypeError, KeyError):
                a = None
        if a is not None:
            rule_findings, semantic = analyser.evidence(a)
        else:  # only the recorded findings: semantic families from their probability (weight = 100 p)
            from lurewatch.semantic.layer import FLOOR

            rule_findings, semantic = [], {}
            for f in c.findings:
                w = float(f.get("weight") or 0.0)
                if f.get("category") == SEMANTIC:
                    semantic[str(f["indicator"])] = max(0.0, (w / 100.0 - FLOOR) / (1.0 - FLOOR))
                else:
                    rule_findings.append(Finding(str(f["indicator"]), "", str(f.get("category", "")), w, ""))
            a = Approach(source="case", sender_name="")
        out.append(CaseFeatures(features(a, rule_findings, score_findings(rule_findings), semantic), c.label))
    return out


def _matrix(rows: list[CaseFeatures], names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    X = np.array([[r.x.get(n, 0.0) for n in names] for r in rows], dtype=float).reshape(len(rows), len(names))
    return X, np.array([r.label for r in rows], dtype=float)


def fit_correction(base: Combiner, rows: list[CaseFeatures], penalty: float = PENALTY) -> dict[str, Any]:
    """A combiner document: the base model's coefficients plus the fitted corrections."""
    names = sorted(base.coef)
    X, y = _matrix(rows, names)
    offset = np.array([base.combine(r.x).logit for r in rows])
    pos = max(y.sum(), 1.0)
    neg = max(len(y) - y.sum(), 1.0)
    sw = np.where(y == 1, len(y) / (2 * pos), len(y) / (2 * neg))  # balanced, as the shipped fit

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = offset + theta[0] + X @ theta[1:]
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))
        nll = -np.sum(sw * (y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12)))
        g = sw * (p - y)
        grad = np.concatenate([[g.sum()], X.T @ g + 2 * penalty * theta[1:]])
        return float(nll + penalty * np.sum(theta[1:] ** 2)), grad

    res = minimize(loss, np.zeros(len(names) + 1), jac=True, method="L-BFGS-B")
    d0, d = float(res.x[0]), res.x[1:]
    doc = dict(base.doc)
    doc["coefficients"] = {n: round(base.coef[n] + float(d[j]), 6) for j, n in enumerate(names)}
    doc["intercept"] = round(base.intercept + d0, 6)
    doc["corrections"] = {"intercept": round(d0, 4),
                          **{n: round(float(d[j]), 4) for j, n in enumerate(names) if abs(d[j]) >= 1e-4}}
    doc["trained_on"] = f"{base.doc.get('trained_on', 'the shipped model')}; corrected on {len(rows)} closed cases"
    return doc


def held_out_metrics(model: Combiner, rows: list[CaseFeatures]) -> dict[str, Any]:
    y = np.array([r.label for r in rows], dtype=int)
    p = np.array([model.combine(r.x).probability for r in rows])
    pred = p >= model.t_medium
    prec, rec, f1, _ = precision_recall_fscore_support(y, pred, average="binary", zero_division=0)
    legit = y == 0
    return {"precision": round(float(prec), 4), "recall": round(float(rec), 4), "f1": round(float(f1), 4),
            "flagged": int(pred.sum()), "cases": int(len(y)), "hostile": int(y.sum()),
            "legitimate_flagged": round(float(pred[legit].mean()) if legit.any() else 0.0, 4),
            "legitimate_high": round(float((p[legit] >= model.t_high).mean()) if legit.any() else 0.0, 4)}


def retrain(cases: list[LabelledCase], train_idx: np.ndarray, test_idx: np.ndarray, analyser: Any,
            candidate_weights: dict[str, float] | None, penalty: float = PENALTY) -> dict[str, Any]:
    """The `combiner` section of a calibration document: the candidate model and its held-out check.

    `analyser` holds what a scan uses today (weights, combiner); the candidate is fitted on the inputs as
    the candidate weights make them, and the check compares the two complete scorings on the held-out cases.
    """
    current = analyser.combiner
    in_use = analyser.weights
    rows_cur = case_features(cases, analyser)
    analyser.weights = candidate_weights
    try:
        rows = case_features(cases, analyser)
    finally:
        analyser.weights = in_use
    tr = [rows[i] for i in train_idx]
    doc = fit_correction(current, tr, penalty)
    candidate = Combiner(doc)
    new = held_out_metrics(candidate, [rows[i] for i in test_idx])
    cur = held_out_metrics(current, [rows_cur[i] for i in test_idx])
    passed = new["f1"] >= cur["f1"] and new["recall"] >= cur["recall"]
    return {"encoder": analyser.layer.encoder.name, "model": doc, "penalty": penalty,
            "metrics": {"held_out_candidate": new, "held_out_current": cur},
            "decision": {"passed": bool(passed),
                         "rule": "held-out F1 and recall at medium both not lower than with the combiner in use"}}
