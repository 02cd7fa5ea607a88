"""Score texts with an exported text model (JSON: vocabulary, idf, coefficients) without scikit-learn.

The arithmetic is scikit-learn's TfidfVectorizer(sublinear_tf=True, norm="l2") followed by
LogisticRegression.predict_proba, written as a sparse dot product: the text's terms are looked up in a
dict (term -> column) through C-level map/filter, counted with numpy.bincount, and only the columns present
are touched. No scikit-learn object is built at scan time.
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain, compress
from pathlib import Path
from typing import Any

import numpy as np

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
    _terms: list[str] = field(default_factory=list)  # the model's terms (shared, not copied)
    _cols: np.ndarray | None = None  # columns of the terms present in the text
    _contrib: np.ndarray | None = None  # their contributions to the log-odds

    @property
    def contributions(self) -> list[tuple[str, float]]:
        """(term, contribution to the log-odds) of every model term in the text, unordered."""
        if self._cols is None or self._contrib is None:
            return []
        return [(self._terms[c], float(x)) for c, x in zip(self._cols.tolist(), self._contrib, strict=True)]

    def top_terms(self, n: int = 6) -> list[str]:
        """Readable terms that pushed the score up, most influential first."""
        if self._cols is None or self._contrib is None or not len(self._cols):
            return []
        k = min(n, len(self._cols))
        top = np.argpartition(-self._contrib, k - 1)[:k]
        top = top[np.argsort(-self._contrib[top], kind="stable")]
        return [readable(self._terms[int(self._cols[i])]) for i in top if self._contrib[i] > 0]


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
            self.index = {t: i for i, t in enumerate(self.terms)}
            if len(self.index) != len(self.terms):
                raise ModelError("duplicate terms")
            # First and second words of the model's bigrams: only bigrams made of both are built at scan time.
            pairs = [t.split(" ", 1) for t in self.terms if " " in t]
            self._first = frozenset(a for a, _ in pairs)
            self._second = frozenset(b for _, b in pairs)
            self.idf = np.asarray(idf, dtype=np.float64)
            self.coef = np.asarray(coef, dtype=np.float64)
            self.intercept = float(data["intercept"])
            self.threshold = float(data.get("threshold", 0.5))
            self.sublinear_tf = bool(data.get("sublinear_tf", True))
        except (KeyError, TypeError, ValueError) as e:
            if isinstance(e, ModelError):
                raise
            raise ModelError(f"malformed text model: {e}") from e
        if not (np.all(np.isfinite(self.idf)) and np.all(np.isfinite(self.coef))):
            raise ModelError("idf and coef must be finite numbers")
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
        index = self.index
        cols = np.fromiter(map(index.__getitem__, filter(index.__contains__, tokens)), dtype=np.intp)
        if not cols.size:
            return Scored(_sigmoid(self.intercept), self.terms)
        counts = np.bincount(cols, minlength=len(self.terms))
        present = np.flatnonzero(counts)
        tf = counts[present].astype(np.float64)
        v = self.idf[present] * ((1.0 + np.log(tf)) if self.sublinear_tf else tf)
        contrib = v * self.coef[present] / math.sqrt(float(v @ v))
        return Scored(_sigmoid(self.intercept + float(contrib.sum())), self.terms, present, contrib)

    @property
    def weights(self) -> dict[str, tuple[float, float]]:
        """term -> (idf, coefficient), for inspection."""
        return {t: (float(i), float(c)) for t, i, c in zip(self.terms, self.idf, self.coef, strict=True)}


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)
