"""Harder cases in varied wording (tests/data/harder_cases.yaml): hostile flagged, legitimate low."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lurewatch.learned.labelled import HARDER_OWNER, approach_from_case
from lurewatch.model import Approach
from lurewatch.pipeline import Analyser
from lurewatch.scoring.providers import ScanContext

CASES = yaml.safe_load((Path(__file__).parent / "data" / "harder_cases.yaml").read_text())["cases"]
ANALYSER = Analyser()
RULES = Analyser(ScanContext(semantic="off"), combiner=False)


def build(case: dict) -> Approach:
    return approach_from_case(case, HARDER_OWNER)


# Hostile cases the calibrated combination scores low although the rules flag them, each explained in
# docs/detection-quality.md (the combination discounts weak single rule findings: it was fitted on how the
# rules did on wording they had not seen).
COMBINED_MISSES = {"h-thinktank-interview", "h-dreamjob-zip", "h-personal-laptop", "h-pen-thoughts"}


@pytest.mark.parametrize("mode", ["combined", "rules"])
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_harder_case(case, mode):
    if mode == "combined" and case["id"] in COMBINED_MISSES:
        pytest.xfail("known limitation of the combination, see docs/detection-quality.md")
    a = (ANALYSER if mode == "combined" else RULES).analyse_one(build(case))
    got = "flagged" if a.level in ("medium", "high") else "low"
    assert got == case["expect"], f"{case['id']}: score {a.score} {a.level}, findings " + \
        ", ".join(f"{f.indicator}({f.weight:g})" for f in a.findings)
