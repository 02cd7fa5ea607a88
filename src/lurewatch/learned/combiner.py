"""The calibrated combination: findings, semantic matches and the thread's shape -> a score.

A small logistic regression (fitted by scripts/train_combiner.py with scikit-learn, exported as JSON and
evaluated here in plain Python) replaces the hand-set noisy-OR as the last step of scoring. Its inputs
are few and readable, so every point of a score still traces to evidence:

- `rules`: the noisy-OR score of the rule findings (lurewatch.scoring.combine), as -ln(1 - S/100). It
  carries every indicator, including ones the model never saw in training, at its hand-set weight;
- one term per finding category (request, secrecy, offer, ...): the sum of -ln(1 - w/100) over the
  findings of that category, so the model can trust one kind of evidence more or less than the weights say;
- one term per semantic family (`sem:*`): how far the closest sender sentence lies above that family's
  similarity floor (lurewatch.semantic);
- the thread's shape: who wrote first, whether the recipient answered, and whether the sender pressed on
  after the recipient declined or hesitated;
- `internal_only`: an e-mail from the recipient's own mail domain, replies going back to it, whose every
  link and address stays on that domain (the organisation's own notices; lurewatch.indicators.checks);
- `note_peak`: for a connection note (the whole approach is one text of at most 300 characters), its
  strongest semantic family. A note has no room for rapport, so a clear ask in it is the whole approach;
  in a thread the same strength is diluted over many sentences and left to the per-family terms.

The probability is mapped onto the 0-100 scale so that the medium and high thresholds, chosen for stated
false-positive rates in leave-one-set-out measurement, land on 30 and 60 (docs/scoring.md). Each
finding's `contribution` is its share of the log-odds.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from lurewatch.indicators.text import SearchMemo
from lurewatch.model import Approach, Finding

FORMAT = "lurewatch-combiner"
CATEGORIES = ("request", "secrecy", "offer", "pivot", "travel", "files", "cyber", "escalation", "persona",
              "target", "interest", "approach", "legitimacy")
_CAT_KEYS = {c: f"cat:{c}" for c in CATEGORIES}  # category -> its feature name
_CAT_ZERO = dict.fromkeys(_CAT_KEYS.values(), 0.0)
SEMANTIC = "semantic"  # the category of the semantic layer's findings (lurewatch.semantic.layer)
# Only behaviour of the thread: its length, its channel and how long it ran were left out because in the
# labelled sets they mostly record how each writer wrote (hostile threads written longer), not hostility.
THREAD = ("sender_first", "owner_replied", "pressed_after_no", "around_route")
NOTE_PEAK = "note_peak"
INTERNAL_ONLY = "internal_only"  # its term is carried by the finding of `internal_sender`, its first half
INTERNAL_FINDING = "LW-LEGIT-005"
_SECRECY = frozenset(("secrecy",))  # finding categories that withdraw `internal_only` and mitigating families
_SEM_SECRECY = "LW-SEM-SECRET"
_NOTE_SOURCE = "linkedin-invitation"
MAX_MODEL_BYTES = 2_000_000

# The recipient declining or hesitating ("I can't share that", "not comfortable"): bounded, literal cues.
_DECLINE = re.compile(
    r"\b(?:can(?:no|')t|cannot|won't|not (?:able|comfortable|allowed|something)|"
    r"(?:i'?d|would) rather not|have to (?:check|ask|clear|go through)|need to (?:check|ask|clear)|"
    r"not (?:public|shareable)|aren't public|isn't public|stays? (?:inside|internal)|decline|no thanks|"
    r"through (?:our|the) (?:press|legal|compliance|contracts)|not in a position)\b", re.I)


_DECLINE_SEEN = SearchMemo(_DECLINE)


@lru_cache(maxsize=4096)  # a pure function of a weight; rules have few distinct weights
def _log_term(weight: float) -> float:
    return -math.log(1.0 - min(abs(weight), 99.0) / 100.0)


def thread_features(a: Approach) -> dict[str, float]:
    from lurewatch.indicators.checks import goes_around_named_route, stays_inside

    msgs = a.messages
    first = msgs[0] if msgs else None
    pressed = 0.0
    declined = False
    for m in msgs:
        if not m.inbound:
            declined = declined or _DECLINE_SEEN.span(m.text[:2000]) is not None
        elif declined:
            pressed = 1.0
            break
    replied = any(not m.inbound for m in msgs)
    return {
        # the recipient named the formal route or said no, and the sender asked around it (LW-THREAD-003's
        # check: computed from the thread itself, so that the sets scored by older rules have it too)
        "around_route": 1.0 if replied and goes_around_named_route(a, []) else 0.0,
        "sender_first": 1.0 if first is None or first.inbound else 0.0,
        "owner_replied": 1.0 if replied else 0.0,
        "pressed_after_no": pressed,
        # an e-mail from the recipient's own domain that leads nowhere outside it (its HR, IT and security
        # team's own notices, which describe every lure): computed from the case, like `around_route`;
        # `features` withdraws it when the message asks for secrecy
        INTERNAL_ONLY: 1.0 if stays_inside(a) else 0.0,
    }


def features(a: Approach, findings: Iterable[Finding], rules_score: float,
             semantic: dict[str, float] | None = None) -> dict[str, float]:
    """The model's inputs for one approach (`rules_score`: the noisy-OR score of `findings`)."""
    findings = list(findings)
    x: dict[str, float] = {"rules": _log_term(rules_score)}
    x.update(_CAT_ZERO)
    for f in findings:
        key = _CAT_KEYS.get(f.category)
        if key is not None:
            x[key] += _log_term(f.weight)
    for fam, v in (semantic or {}).items():
        x[f"sem:{fam}"] = v
    x.update(thread_features(a))
    if x[INTERNAL_ONLY] and any(f.category in _SECRECY for f in findings):
        # A colleague's hijacked account asking to keep it quiet is the abuse this input invites: the
        # organisation's own notices have no reason to ask for secrecy (none of the training cases does).
        x[INTERNAL_ONLY] = 0.0
    if any(f.category in _SECRECY for f in findings) or (semantic or {}).get(_SEM_SECRECY):
        # Protecting the recipient's obligations and asking them to keep the contact from their employer
        # contradict each other: a reassurance beside a call for secrecy is cover, not a sign of legitimacy.
        from lurewatch.semantic.layer import is_mitigating

        for fam in semantic or {}:
            if is_mitigating(fam):
                x[f"sem:{fam}"] = 0.0
    peak = note_peak_family(a, semantic)
    x[NOTE_PEAK] = semantic[peak] if semantic and peak else 0.0
    return x


def fuse_semantic(primary: dict[str, float], second: dict[str, float] | None) -> dict[str, float]:
    """The full model's family scores with the static table's beside them under their own names
    (`static:LW-SEM-REQ`), read as they are read alone (mitigating families, `note_peak`). Used by
    `scripts/train_combiner.py --encoder fused`, a measurement: measured on 7 December 2026 and not shipped,
    since it flagged more legitimate approaches on the held-out sets (docs/detection-quality.md)."""
    from lurewatch.semantic.layer import SECOND_VIEW

    out = dict(primary)
    out.update({SECOND_VIEW + k: v for k, v in (second or {}).items()})
    return out


def note_peak_family(a: Approach, semantic: dict[str, float] | None) -> str | None:
    """The semantic family that feeds `note_peak`: the strongest of a connection note's (None otherwise)."""
    if a.source != _NOTE_SOURCE or not semantic:
        return None
    from lurewatch.semantic.layer import INPUTS, SECOND_VIEW, is_mitigating  # inputs of their own, not families

    fam, v = max(((k, v) for k, v in semantic.items()
                  if k not in INPUTS and not is_mitigating(k) and not k.startswith(SECOND_VIEW)),
                 key=lambda kv: kv[1], default=("", 0.0))
    return fam if v > 0 else None


@dataclass(slots=True)
class Combined:
    probability: float
    score: int
    logit: float
    terms: dict[str, float]  # feature -> contribution to the log-odds (intercept excluded)


class Combiner:
    """An exported combiner: coefficients, intercept and the probability thresholds for medium and high."""

    def __init__(self, doc: dict[str, Any]) -> None:
        if doc.get("format") != FORMAT:
            raise ValueError("not a lurewatch combiner model")
        self.doc = doc
        self.coef: dict[str, float] = {k: float(v) for k, v in doc["coefficients"].items()}
        self.intercept = float(doc["intercept"])
        self.t_medium = float(doc["thresholds"]["medium"])
        self.t_high = float(doc["thresholds"]["high"])
        # Indicators that fired in the training rows: evidence of any other kind (new rule families, shared
        # intelligence, watchlists) cannot be calibrated and keeps its own weight as a floor.
        self.indicators_seen: set[str] = set(doc.get("indicators_seen", []))
        if not 0.0 < self.t_medium < self.t_high < 1.0:
            raise ValueError("combiner thresholds must satisfy 0 < medium < high < 1")

    @classmethod
    def load(cls, path: Path | None = None, encoder: str = "minilm-l6-v2-int8") -> Combiner:
        """The shipped model fitted with that sentence encoder's semantic inputs, or the file at `path`."""
        if path is None:
            f = resources.files("lurewatch.models") / f"combiner-{encoder}.json"
            if not f.is_file():
                raise FileNotFoundError(f"no combiner model for the {encoder} encoder")
            text = f.read_text("utf-8")
        else:
            if path.stat().st_size > MAX_MODEL_BYTES:
                raise ValueError(f"{path}: combiner model over {MAX_MODEL_BYTES} bytes")
            text = path.read_text("utf-8")
        return cls(json.loads(text))

    def combine(self, x: dict[str, float]) -> Combined:
        terms = {k: self.coef[k] * v for k, v in x.items() if k in self.coef and v}
        z = self.intercept + sum(terms.values())
        p = 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))
        return Combined(p, self.to_score(p), z, terms)

    def to_score(self, p: float) -> int:
        """Monotone map of the probability onto 0-100 with the thresholds at 30 (medium) and 60 (high)."""
        tm, th = self.t_medium, self.t_high
        if p < tm:
            s = 30.0 * p / tm
        elif p < th:
            s = 30.0 + 30.0 * (p - tm) / (th - tm)
        else:
            s = 60.0 + 40.0 * (p - th) / (1.0 - th)
        s = round(s)
        # Rounding must not move a case across a threshold.
        if p < tm:
            s = min(s, 29)
        elif p < th:
            s = min(max(s, 30), 59)
        return int(max(0, min(100, s)))


def attribute(findings: list[Finding], terms: dict[str, float], rules_score: float,
              peak_family: str | None = None) -> None:
    """Set each finding's `contribution`: its share of the rule terms, in proportion to its weight (the
    `note_peak` term goes to the semantic finding of `peak_family`, the semantic layer's own inputs to the
    findings that carry them)."""
    rules_term = terms.get("rules", 0.0)
    parts = [_log_term(f.weight) for f in findings]
    total = sum(p for f, p in zip(findings, parts, strict=True) if f.category not in _NOT_RULES) or 1.0
    by_cat: dict[str, float] = {}
    for f, p in zip(findings, parts, strict=True):
        by_cat[f.category] = by_cat.get(f.category, 0.0) + p
    with_rules = rules_score > 0
    carried: dict[str, float] = {}
    for f in findings:
        for key, part in f.carries.items():
            carried[key] = carried.get(key, 0.0) + part
    for f, p in zip(findings, parts, strict=True):
        cat = f.category
        share = 0.0
        if with_rules and cat not in _NOT_RULES:
            share += rules_term * p / total
        cat_term = terms.get(_CAT_KEYS.get(cat) or f"cat:{cat}", 0.0)
        if cat_term and by_cat[cat]:
            share += cat_term * p / by_cat[cat]
        if f.indicator == INTERNAL_FINDING:  # the finding that shows the sender is internal
            share += terms.get(INTERNAL_ONLY, 0.0)
        if cat == SEMANTIC:
            share += terms.get(f"sem:{f.indicator}", 0.0)
            if f.indicator == peak_family:
                share += terms.get(NOTE_PEAK, 0.0)
            for key, part in f.carries.items():  # LW-SEM-LATE: split by each finding's part
                share += terms.get(f"sem:{key}", 0.0) * part / carried[key]
        f.contribution = round(share, 3)


_NOT_RULES = frozenset(("legitimacy", SEMANTIC))  # categories outside the rules' noisy-OR term


def policy_floor(rule_findings: list[Finding], seen: set[str]) -> int:
    """The score that evidence the model never saw in training (a new rule family, shared intelligence, a
    watchlist: fewer than 10 training cases) keeps on its own: its noisy-OR, amplified by context. (Making
    the whole rules' score the floor instead was measured: more false positives, no more hostile caught.)"""
    from lurewatch.scoring.combine import CONTEXT, MITIGATING, PERSONA, score_findings

    unseen = [f for f in rule_findings if f.indicator not in seen and f.category not in CONTEXT | PERSONA | MITIGATING]
    if not unseen:
        return 0
    return score_findings(unseen + [f for f in rule_findings if f.category in CONTEXT | MITIGATING])


def has_behaviour(rule_findings: list[Finding], semantic: dict[str, float]) -> bool:
    """Anything asked, offered or done (not only who is approached, how warmly, or a thin persona)."""
    from lurewatch.scoring.combine import CONTEXT, MITIGATING, PERSONA
    from lurewatch.semantic.layer import is_mitigating

    return (any(f.category not in CONTEXT | PERSONA | MITIGATING for f in rule_findings)
            or any(v for k, v in semantic.items() if not is_mitigating(k)))


def apply_combined(a: Approach, rule_findings: list[Finding], semantic: dict[str, float],
                   semantic_findings: list[Finding], combiner: Combiner, indicator_advice: dict[str, str]) -> Approach:
    """Score an approach with the combiner; the findings keep their evidence and gain a contribution."""
    from lurewatch.scoring.combine import advise, level_of, score_findings
    from lurewatch.semantic.layer import is_mitigating

    rules_score = score_findings(rule_findings)
    x = features(a, rule_findings, rules_score, semantic)
    combined = combiner.combine(x)
    # A reassurance withdrawn beside a call for secrecy is not shown as a sign of legitimacy.
    semantic_findings = [f for f in semantic_findings
                         if not is_mitigating(f.indicator) or x.get(f"sem:{f.indicator}", 0.0) > 0]
    # Evidence the model has no training data for keeps the strength its indicator gives it.
    score = max(combined.score, policy_floor(rule_findings, combiner.indicators_seen))
    if not has_behaviour(rule_findings, semantic):
        # Who is approached, how warmly, and a thin persona say nothing of what is asked: never medium alone.
        score = min(score, 29)
    findings = rule_findings + semantic_findings
    attribute(findings, combined.terms, rules_score, note_peak_family(a, semantic))
    findings.sort(key=lambda f: (-(f.contribution or 0.0), -f.weight, f.indicator))
    a.findings = findings
    a.score = score
    a.level = level_of(score)
    a.advice = advise(findings, a.level, indicator_advice)
    return a
