"""The whole detector (rules, semantic layer, calibrated combination) held to its measured figures.

Blind sets 10 and 11 were never trained or tuned on (docs/detection-quality.md): these tests keep them as
regression sets at the figures first measured, within one case. Sets 1-9 trained the combination (scored
then by the rules before tuning); with today's rules (tuned on them) the whole detector is held to what it
measured on them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lurewatch.learned.labelled import BLIND_SETS, load_yaml_set
from lurewatch.pipeline import Analyser
from lurewatch.scoring.providers import ScanContext

DATA = Path(__file__).parent / "data"
ANALYSERS: dict[str, Analyser] = {}


def _analyser(encoder: str) -> Analyser:
    if encoder not in ANALYSERS:
        ANALYSERS[encoder] = Analyser(ScanContext(use_photos=False, semantic=encoder))
        assert ANALYSERS[encoder].combiner is not None
    return ANALYSERS[encoder]


def _measure(name: str, encoder: str = "static") -> tuple[int, int, int, int, int]:
    rows = load_yaml_set(DATA / name / "approaches.yaml", name)
    an = _analyser(encoder)
    levels = [(r.hostile, an.analyse_one(r.approach).level) for r in rows]
    hostile = [lv for h, lv in levels if h]
    legit = [lv for h, lv in levels if not h]
    return (sum(lv != "low" for lv in hostile), len(hostile), sum(lv != "low" for lv in legit), len(legit),
            sum(lv == "high" for lv in legit))


@pytest.mark.slow
@pytest.mark.parametrize(("name", "encoder", "min_hostile", "max_legit", "max_legit_high"), [
    ("blind10", "full", 14, 4, 0),  # measured 15/15 and 3/85 (0 high)
    ("blind11", "full", 14, 2, 0),  # measured 15/30 and 1/20 (0 high): the adversarial figure
    ("blind10", "static", 13, 3, 0),  # measured 14/15 and 2/85 (0 high)
    ("blind11", "static", 11, 2, 0),  # measured 12/30 and 1/20 (0 high)
])
def test_held_out_blind_sets_keep_their_measured_figures(name, encoder, min_hostile, max_legit, max_legit_high):
    h, nh, lg, nl, high = _measure(name, encoder)
    assert h >= min_hostile, f"{name}: {h}/{nh} hostile flagged"
    assert lg <= max_legit and high <= max_legit_high, f"{name}: {lg}/{nl} legitimate flagged, {high} high"


@pytest.mark.slow
def test_the_training_sets_meet_the_goals_with_todays_rules():
    hostile = legit = flagged_h = flagged_l = high_l = 0
    for name in BLIND_SETS:
        h, nh, lg, nl, high = _measure(name)
        hostile, legit, flagged_h, flagged_l, high_l = hostile + nh, legit + nl, flagged_h + h, flagged_l + lg, high_l + high
    # Measured with the static table (the scan default): 246/260 hostile, 4/260 legitimate flagged, 1 high.
    assert flagged_h / hostile >= 0.94, f"{flagged_h}/{hostile}"
    assert flagged_l / legit <= 0.03 and high_l / legit <= 0.01, f"{flagged_l}/{legit}, {high_l} high"
