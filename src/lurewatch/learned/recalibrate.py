"""Recalibrate indicator weights from analysts' closed cases, and check the result before adoption.

Method (kept explainable: every finding keeps its indicator and evidence, only weights change):
1. Features: one binary column per indicator id found in any case; label 1 = hostile.
2. A stratified, seeded split keeps `test_size` of the cases aside.
3. On the rest, L2 logistic regression over those columns. The score is a noisy-OR of weights
   (lurewatch.scoring.combine), i.e. -ln(1 - S/100) = sum of -ln(1 - w/100); so a coefficient b_i > 0
   maps to w_i = 100 * (1 - exp(-k * b_i)), with k chosen (on the training part only) so that
   "score >= threshold" best separates hostile from legitimate (F1). Its starting point k0 puts the
   score threshold where the regression's probability crosses 0.5.
4. Only indicators of the indicator files, of behaviour or persona categories, seen in at least
   `min_support` training cases, are recalibrated; context and legitimacy indicators (which amplify or
   damp the score) and evidence providers' findings (whose weight varies per case) keep theirs.
5. Held-out precision and recall at the threshold, with the candidate weights and with the current
   ones, both through the real scoring function. It passes when neither F1 nor recall drops.
6. The score's own calibration: a one-feature logistic regression (Platt scaling) of the label on the
   candidate score, so that a score can be read as the share of hostile cases seen at that score.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import train_test_split

from lurewatch.learned.cases import LabelledCase
from lurewatch.model import Finding
from lurewatch.scoring.combine import CONTEXT, MEDIUM, MITIGATING, score_findings

MAX_WEIGHT = 95.0  # no single indicator is certainty
MIN_WEIGHT = 1.0  # an indicator the cases do not support stays visible, with almost no weight


class NotEnoughCases(ValueError):
    pass


@dataclass(slots=True)
class RecalConfig:
    threshold: float = MEDIUM  # "flag for a check": the score at which analysts look
    test_size: float = 0.25
    seed: int = 0
    min_support: int = 3
    C: float = 1.0
    min_cases: int = 20
    min_per_class: int = 5


def _findings(case: LabelledCase, weights: dict[str, float]) -> list[Finding]:
    out = []
    for f in case.findings:
        ind = str(f["indicator"])
        w = weights.get(ind, f.get("weight", 0.0))
        out.append(Finding(ind, str(f.get("title", "")), str(f.get("category", "")), float(w or 0.0), ""))
    return out


def score_cases(cases: list[LabelledCase], weights: dict[str, float]) -> np.ndarray:
    """Scores through the production scoring, with `weights` overriding recorded finding weights."""
    return np.array([score_findings(_findings(c, weights)) for c in cases], dtype=float)


def _metrics(y: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, Any]:
    pred = scores >= threshold
    p, r, f1, _ = precision_recall_fscore_support(y, pred, average="binary", zero_division=0)
    return {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f1), 4),
            "flagged": int(pred.sum()), "cases": int(len(y)), "hostile": int(y.sum())}


def _weights_for_k(beta: dict[str, float], k: float) -> dict[str, float]:
    out = {}
    for ind, b in beta.items():
        w = 100.0 * (1.0 - np.exp(-k * b)) if b > 0 else 0.0
        out[ind] = round(float(min(MAX_WEIGHT, max(MIN_WEIGHT, w))), 2)
    return out


def held_out_split(cases: list[LabelledCase], cfg: RecalConfig) -> tuple[np.ndarray, np.ndarray]:
    """(training, held-out) indices: stratified, seeded; the combiner's retraining uses the same split."""
    y = np.array([c.label for c in cases], dtype=int)
    tr, te = train_test_split(np.arange(len(cases)), test_size=cfg.test_size, random_state=cfg.seed, stratify=y)
    return np.asarray(tr), np.asarray(te)


def recalibrate(
    cases: list[LabelledCase],
    base_weights: dict[str, float],
    categories: dict[str, str],
    current: dict[str, float] | None = None,
    cfg: RecalConfig | None = None,
) -> dict[str, Any]:
    """A calibration document (not yet stored). `base_weights`/`categories`: the indicator files'."""
    cfg = cfg or RecalConfig()
    y = np.array([c.label for c in cases], dtype=int)
    n_host = int(y.sum())
    if len(cases) < cfg.min_cases or min(n_host, len(y) - n_host) < cfg.min_per_class:
        raise NotEnoughCases(
            f"{len(cases)} labelled cases ({n_host} hostile, {len(y) - n_host} legitimate); need at least "
            f"{cfg.min_cases}, with {cfg.min_per_class} of each")
    ids = sorted({str(f["indicator"]) for c in cases for f in c.findings})
    if not ids:
        raise NotEnoughCases("no case has any finding: nothing to weigh")
    col = {ind: j for j, ind in enumerate(ids)}
    X = np.zeros((len(cases), len(ids)))
    for i, c in enumerate(cases):
        for f in c.findings:
            X[i, col[str(f["indicator"])]] = 1.0
    tr, te = held_out_split(cases, cfg)
    current_full = {**base_weights, **(current or {})}

    clf = LogisticRegression(C=cfg.C, class_weight="balanced", max_iter=5000)
    clf.fit(X[tr], y[tr])
    support = X[tr].sum(axis=0)
    tunable = [ind for ind in ids if ind in base_weights and categories.get(ind) not in CONTEXT | MITIGATING
               and support[col[ind]] >= cfg.min_support]
    beta = {ind: float(clf.coef_[0][col[ind]]) for ind in tunable}
    intercept = float(clf.intercept_[0])

    # k: scale from log-odds to the noisy-OR's -ln(1 - w/100), chosen on the training part.
    u_t = -np.log(1.0 - min(cfg.threshold, 99.0) / 100.0)
    pos = [b for b in beta.values() if b > 0]
    k0 = u_t / -intercept if intercept < 0 else (u_t / max(pos) if pos else 1.0)
    train_cases = [cases[i] for i in tr]
    best: tuple[float, float, dict[str, float]] | None = None
    for k in sorted(k0 * np.geomspace(0.25, 4.0, 25), key=lambda k: abs(np.log(k / k0))):
        w = _weights_for_k(beta, k)
        f1 = _metrics(y[tr], score_cases(train_cases, {**current_full, **w}), cfg.threshold)["f1"]
        if best is None or f1 > best[0]:
            best = (f1, float(k), w)
    assert best is not None
    learned = best[2]
    candidate_full = {**current_full, **learned}

    test_cases = [cases[i] for i in te]
    held_new = _metrics(y[te], score_cases(test_cases, candidate_full), cfg.threshold)
    held_cur = _metrics(y[te], score_cases(test_cases, current_full), cfg.threshold)
    passed = held_new["f1"] >= held_cur["f1"] and held_new["recall"] >= held_cur["recall"]

    s_tr = score_cases(train_cases, candidate_full) / 100.0
    platt = LogisticRegression(C=1e6, max_iter=5000).fit(s_tr.reshape(-1, 1), y[tr])

    changes = [
        {"indicator": ind, "from": round(float(current_full.get(ind, 0.0)), 2), "to": w,
         "coefficient": round(beta[ind], 4), "support": int(support[col[ind]])}
        for ind, w in sorted(learned.items(), key=lambda kv: -abs(kv[1] - current_full.get(kv[0], 0.0)))
    ]
    return {
        "kind": "lurewatch-indicator-calibration",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "n_cases": len(cases),
        "n_hostile": n_host,
        "n_train": int(len(tr)),
        "n_test": int(len(te)),
        "config": asdict(cfg),
        "weights": learned,
        "changes": changes,
        "logistic": {"intercept": round(intercept, 4), "k": round(best[1], 6), "k0": round(float(k0), 6)},
        "score_calibration": {"slope": round(float(platt.coef_[0][0]), 4),
                              "intercept": round(float(platt.intercept_[0]), 4)},
        "metrics": {"threshold": cfg.threshold, "held_out_candidate": held_new, "held_out_current": held_cur,
                    "train_f1_candidate": best[0]},
        "decision": {"passed": bool(passed),
                     "rule": "held-out F1 and recall both not lower than with the current weights"},
    }
