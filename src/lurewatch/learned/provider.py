"""The learned job-advert model as a finding provider (see lurewatch.scoring.providers).

It adds at most one finding, LW-ML-001, to job-advert approaches only: the model learned job *scams*
(which take money or data), so it says nothing about LinkedIn approaches, where hostile-state
approaches *pay* the target. Its weight grows with the model's probability and stays below the
weight of a strong indicator, so it adds to the indicators' evidence instead of replacing it.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from lurewatch.learned.features import approach_words
from lurewatch.learned.scorer import ModelError, TextModel
from lurewatch.model import Approach, Finding
from lurewatch.scoring.providers import ScanContext

MODEL_PATH = Path(__file__).resolve().parents[1] / "models" / "text_job_advert.json"
MAX_WEIGHT = 30.0  # at p = 1; YAML indicator weights are on the same 0-100 scale
# Reported from p = 0.7: in grouped cross-validation that keeps about 4.5% of genuine adverts (14% at
# 0.5) and 76% of fraudulent ones (docs/text-model.md). The weight still grows from the model's 0.5.
REPORT_AT = 0.7
APPLIES_TO = frozenset({"job-advert"})
INDICATOR = "LW-ML-001"


class TextModelProvider:
    """Built once per scan; the model file is read at the first job advert, so that scans of LinkedIn
    exports or e-mail never pay for it."""

    name = "learned-text"

    def __init__(self, model: TextModel | None = None, path: Path | None = None) -> None:
        self._model = model
        self._path = path
        self._failed = False
        self.rationale = _rationale(model) if model is not None else ""

    def _load(self) -> TextModel | None:
        if self._model is None and not self._failed and self._path is not None:
            try:
                self._model = TextModel.load(self._path)
                self.rationale = _rationale(self._model)
            except ModelError as e:
                self._failed = True  # a broken file must not stop a scan: say so once, then skip
                warnings.warn(f"text model not used: {e}", stacklevel=3)
        return self._model

    def findings(self, approach: Approach) -> list[Finding]:
        if approach.source not in APPLIES_TO:
            return []
        model = self._load()
        if model is None:
            return []
        scored = model.score_words(*approach_words(approach))
        p, t = scored.probability, model.threshold
        if p < max(t, REPORT_AT):
            return []
        terms = ", ".join(f"'{w}'" for w in scored.top_terms(6))
        return [
            Finding(
                indicator=INDICATOR,
                title="Job advert resembles known fraudulent adverts",
                category="job-advert",
                weight=round(MAX_WEIGHT * (p - t) / (1.0 - t) if t < 1 else 0.0, 2),
                evidence=f"p={p:.2f}; words: {terms}" if terms else f"p={p:.2f}",
                rationale=self.rationale,
                field="advert" if approach.advert is not None else "message[0]",
            )
        ]


def _rationale(model: TextModel) -> str:
    cvs = model.meta.get("cv") or {}
    cv = cvs.get("stratified_grouped") or cvs.get("stratified") or {}
    trained = model.meta.get("trained_on") or {}
    return (
        "Logistic regression over the advert's words (TF-IDF), trained on "
        f"{trained.get('adverts', '?')} EMSCAD adverts (Vidros et al., 2017); cross-validated precision "
        f"{_fmt(cv.get('precision'))}, recall {_fmt(cv.get('recall'))}, F1 {_fmt(cv.get('f1'))}. "
        "p is the model's probability with both classes weighted equally, not a base rate. A job scam "
        "takes money or data; this is not evidence of a state approach."
    )


def _fmt(x: object) -> str:
    return f"{x:.2f}" if isinstance(x, float) else "?"


def model_path() -> Path:
    """LUREWATCH_TEXT_MODEL overrides the packaged model (e.g. one retrained on more data)."""
    return Path(os.environ.get("LUREWATCH_TEXT_MODEL") or MODEL_PATH)


def build(ctx: ScanContext) -> TextModelProvider | None:
    """None when the text model is switched off or its file is missing; the file is parsed lazily."""
    if not ctx.use_text_model:
        return None
    path = model_path()
    if not path.is_file():
        return None
    return TextModelProvider(path=path)
