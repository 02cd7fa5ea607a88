"""Score texts with an exported text model (JSON: vocabulary, idf, coefficients) without scikit-learn.

The arithmetic is scikit-learn's TfidfVectorizer(sublinear_tf=True, norm="l2") followed by
LogisticRegression.predict_proba, written as a sparse dot product in plain Python: the text's terms are
filtered through the model's dict and counted by C-level filter/Counter, then only the hundred or so terms
present are touched. Scoring a scan's adverts this way is as fast as with numpy, and a scan need not
import numpy or scikit-learn at all.
"""

from __future__ import annotations

import heapq
import json
import math
import operator
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain, compress
from pathlib import Path
from typing import Any

from lurewatch.ingest.safety import UnsafeInput, decode_text, read_bounded
from lurewatch.learned.features import META_LABELS

FORMAT = "lurewatch-text-model"
FORMAT_VERSION = 1
MAX_MODEL_BYTES = 20 * 1024 * 1024  # a model file is data we parse: bounded like any input


class ModelError(ValueError):
    """The model file is missing, malformed or of an unknown format."""


@dataclass(slots=True)
class Scored:
    probability: float
    _vals: list[tuple[str, float, float]] = field(default_factory=list)  # (term, tf-idf, coefficient)
    _inv_norm: float = 0.0

    @property
    def contributions(self) -> list[tuple[str, float]]:
        """(term, contribution to the log-odds) of every model term in the text, unordered."""
        return [(t, v * self._inv_norm * coef) for t, v, coef in self._vals]

    def top_terms(self, n: int = 6) -> list[str]:
        """Readable terms that pushed the score up, most influential first."""
        best = heapq.nlargest(n, self.contributions, key=lambda tc: tc[1])
        return [readable(t) for t, c in best if c > 0]


def readable(term: str) -> str:
    """A term as shown to analysts: structural tokens spelled out, digit runs ("0") as <n>."""
    if term in META_LABELS:
        return META_LABELS[term]
    return " ".join("<n>" if w == "0" else w for w in term.split(" "))


class TextModel:
    def __init__(self, data: dict[str, Any]) -> None:
        if data.get("format") != FORMAT or data.get("format_version") != FORMAT_VERSION:
            raise ModelError("not a lurewatch text model (format / format_version)")
        try:
            terms, idf, coef = data["terms"], data["idf"], data["coef"]
            if not (isinstance(terms, list) and isinstance(idf, list) and isinstance(coef, list)
                    and len(terms) == len(idf) == len(coef)):
                raise ModelError("terms, idf and coef must be lists of one length")
            self.terms = [str(t) for t in terms]
            self.weights: dict[str, tuple[float, float]] = {
                t: (float(i), float(c)) for t, i, c in zip(self.terms, idf, coef, strict=True)
            }
            if len(self.weights) != len(self.terms):
                raise ModelError("duplicate terms")
            if not all(math.isfinite(i) and math.isfinite(c) for i, c in self.weights.values()):
                raise ModelError("idf and coef must be finite numbers")
            # First and second words of the model's bigrams: only bigrams made of both are built at scan time.
            pairs = [t.split(" ", 1) for t in self.terms if " " in t]
            self._first = frozenset(a for a, _ in pairs)
            self._second = frozenset(b for _, b in pairs)
            self.intercept = float(data["intercept"])
            self.threshold = float(data.get("threshold", 0.5))
            self.sublinear_tf = bool(data.get("sublinear_tf", True))
        except (KeyError, TypeError, ValueError) as e:
            if isinstance(e, ModelError):
                raise
            raise ModelError(f"malformed text model: {e}") from e
        self.meta = {k: v for k, v in data.items() if k not in ("terms", "idf", "coef")}

    @classmethod
    def load(cls, path: Path) -> TextModel:
        try:
            raw = read_bounded(Path(path), MAX_MODEL_BYTES)
            data = json.loads(decode_text(raw).text)
        except (OSError, UnsafeInput, ValueError) as e:
            raise ModelError(f"cannot read text model {path}: {e}") from e
        if not isinstance(data, dict):
            raise ModelError("a text model is a JSON object")
        return cls(data)

    def score_words(self, words: list[str], extra: list[str] | None = None) -> Scored:
        """Score a text from its words (features.words) and structural tokens: the same result as
        score_tokens on all its unigrams and bigrams, but only bigrams the model knows can match are
        built (every step below runs in C: the words' hashes are computed once and reused)."""
        if not self._first:  # a unigram model
            return self.score_tokens(chain(words, extra or ()))
        keep = map(operator.and_, map(self._first.__contains__, words), map(self._second.__contains__, words[1:]))
        bigrams = map(" ".join, compress(zip(words, words[1:], strict=False), keep))
        return self.score_tokens(chain(words, bigrams, extra or ()))

    def score_tokens(self, tokens: Iterable[str]) -> Scored:
        w = self.weights
        counts = Counter(filter(w.__contains__, tokens))
        if not counts:
            return Scored(_sigmoid(self.intercept))
        sub = self.sublinear_tf
        vals = []
        sq = dot = 0.0
        for t, c in counts.items():
            idf, coef = w[t]
            v = idf * ((_LOG_TF[c] if c < len(_LOG_TF) else 1.0 + math.log(c)) if sub else c)
            vals.append((t, v, coef))
            sq += v * v
            dot += v * coef
        inv = 1.0 / math.sqrt(sq)
        return Scored(_sigmoid(self.intercept + dot * inv), vals, inv)


_LOG_TF = [0.0] + [1.0 + math.log(c) for c in range(1, 64)]  # sublinear tf of small counts


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)
