"""Score texts with an exported text model (JSON: vocabulary, idf, coefficients) without scikit-learn.

The arithmetic is scikit-learn's TfidfVectorizer(sublinear_tf=True, norm="l2") followed by
LogisticRegression.predict_proba, written over a dict because a document touches a few hundred of
the model's terms: a sparse dot product in plain Python beats building numpy/scipy arrays per text.
"""

from __future__ import annotations

import heapq
import json
import math
from collections import Counter
from dataclasses import dataclass
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
    contributions: list[tuple[str, float]]  # (term, contribution to the log-odds), unordered

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
            if not (isinstance(terms, list) and len(terms) == len(idf) == len(coef)):
                raise ModelError("terms, idf and coef must be lists of one length")
            self.weights: dict[str, tuple[float, float]] = {
                str(t): (float(i), float(c)) for t, i, c in zip(terms, idf, coef, strict=True)
            }
            self.intercept = float(data["intercept"])
            self.threshold = float(data.get("threshold", 0.5))
            self.sublinear_tf = bool(data.get("sublinear_tf", True))
        except (KeyError, TypeError) as e:
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

    def score_tokens(self, tokens: list[str]) -> Scored:
        w = self.weights
        log = math.log
        tf = [(t, c, w[t]) for t, c in Counter(tokens).items() if t in w]
        if not tf:
            return Scored(_sigmoid(self.intercept), [])
        if self.sublinear_tf:
            vals = [(t, (1.0 + log(c)) * idf, coef) for t, c, (idf, coef) in tf]
        else:
            vals = [(t, c * idf, coef) for t, c, (idf, coef) in tf]
        inv = 1.0 / (math.sqrt(sum(v * v for _, v, _ in vals)) or 1.0)
        contrib = [(t, v * inv * coef) for t, v, coef in vals]
        z = self.intercept + math.fsum(c for _, c in contrib)
        return Scored(_sigmoid(z), contrib)


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)
