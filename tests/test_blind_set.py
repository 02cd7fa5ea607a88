"""Blind sets: approaches written by people who never saw the detector (tests/data/blind .. blind9).

Each set was measured before any tuning on it (docs/detection-quality.md keeps those figures):
blind 51/60, blind2 52/60, blind3 41/60, blind4 55/60, blind5 57/60, blind6 55/60, blind7 56/60, blind8 49/60 and blind9 27/40 (both written to evade the detector). The general weaknesses they exposed (negated assurances read as requests,
reimbursed academic travel, recruitment "consultants", euphemisms for pay, stems that collide) were fixed
in the rules; both now serve as regression sets, and a new blind set is needed for the next measurement.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lurewatch.learned.labelled import approach_from_case
from lurewatch.model import Approach
from lurewatch.pipeline import Analyser
from lurewatch.scoring.providers import ScanContext

DATA = Path(__file__).parent / "data"
# Known misses, each explained in docs/detection-quality.md: an employer's own security-awareness e-mail
# that lists every red flag (c-l27); a paid peer review, a funded
# visiting fellowship and a translation agency (d-l05, d-l12, d-l25); an expert-network call from a young
# profile with an unnamed client (e-l18);
# the owner's own security team's awareness notice (g-l02);
# an agency recruiter's optional WhatsApp number on a named role (h-l04, scored 30); a look-alike meeting
# secretariat collecting a delegation's flights and negotiating positions (i-h06); a retained-search recruiter
# asking for a personal e-mail (i-l14, scored 31); a public conference abroad with travel covered, from a thin profile (j-l13).
KNOWN_MISSES = {"c-l27", "d-l05", "d-l12", "d-l25", "e-l18", "g-l02", "h-l04", "i-h06", "i-l14", "j-l13"}


def _cases() -> list[dict]:
    out = []
    for name in ("blind", "blind2", "blind3", "blind4", "blind5", "blind6", "blind7", "blind8", "blind9"):
        doc = yaml.safe_load((DATA / name / "approaches.yaml").read_text("utf-8"))
        out += doc["cases"] if isinstance(doc, dict) else doc
    return out


CASES = _cases()
# The per-case regression runs the rules and their noisy-OR score (what sets 1-9 tuned); the calibrated
# combination, which was fitted on these sets before tuning, is measured as a whole below and in
# tests/test_detection_quality.py.
ANALYSER = Analyser(ScanContext(semantic="off"), combiner=False)


def build(case: dict) -> Approach:
    return approach_from_case(case)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_blind_case(case):
    if case["id"] in KNOWN_MISSES:
        pytest.xfail("known limitation, see docs/detection-quality.md")
    a = ANALYSER.analyse_one(build(case))
    flagged = a.level in ("medium", "high")
    assert flagged == (case["label"] == "hostile"), (
        f"{case['id']} ({case['label']}): {a.score} {a.level}; " + ", ".join(f"{f.indicator}({f.weight:g})" for f in a.findings))


def test_blind_sets_overall_quality():
    results = [(c["label"] == "hostile", ANALYSER.analyse_one(build(c)).level != "low") for c in CASES]
    hostile = [flag for is_h, flag in results if is_h]
    legit = [flag for is_h, flag in results if not is_h]
    assert sum(hostile) / len(hostile) >= 0.95
    assert sum(legit) / len(legit) <= 0.08
