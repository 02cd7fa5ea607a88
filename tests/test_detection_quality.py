"""The whole detector (rules, semantic layer, calibrated combination) held to its measured figures.

Sets 1-28 train the static table's combination, and sets 1-56 the tuned full model's (each scored by the rules
as they were before it was first seen); they are measured leave one set out by scripts/train_combiner.py, and
with today's rules the whole detector is held to what it measures on them here. New blind sets are held out
(never trained on) and pinned at the figures first measured; the full model's and `confirm`'s pins were
measured again when the tuned model landed (ninth session of 7 December 2026), on sets it never read (29 on).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lurewatch.learned.labelled import ADVERSARIAL_SETS, BLIND_SETS, TUNED_TRAINING_SETS, load_yaml_set
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
    # Measured before any tuning (docs/detection-quality.md): full 15/15 and 3/85, static 14/15 and 2/85;
    # adversarial full 15/30 and 1/20, static 12/30 and 1/20. Since then they train the combiner too
    # (leave one set out, with the rules of the stop that first measured them); today's figures:
    # Sets 12 and 13, measured before any tuning: static 12/12 and 3/88, 11/30 and 3/20 (full 11/12 and 6/88,
    # 8/30 and 3/20). Sets 14 and 15, measured before any tuning at bf99835: static 12/12 and 3/88, 19/30 and
    # 0/20 (full 12/12 and 6/88, 22/30 and 2/20). Set 16, measured before any tuning at 12071fb: static 10/10 and
    # 3/90, full 10/10 and 4/90. Set 17 (adversarial): first half measured before any tuning at 52d12c4, static
    # 11/15 and 1/10, full 12/15 and 1/10; second half at 42abe61, static 12/15 and 4/10 (1 high), full 14/15 and
    # 1/10 (1 high). Set 18 (adversarial) at 831d5ab: static 15/15 and 2/10 (1 high), full 14/15 and 2/10 (1
    # high). Set 19 (ordinary inbox) at f68c450: static 9/10 and 2/15 (1 high), full 9/10 and 2/15 (1 high).
    # Sets 20 (adversarial) and 21 (ordinary inbox), measured before any tuning at 3811a4f: set 20 static 13/15
    # and 1/10, full 15/15 and 3/10 (1 high); set 21 static 9/10 and 1/15, full 10/10 and 2/15 (1 high). They
    # joined the training in the first night session of 5 December. Sets 22-25 (measured
    # before any tuning at ed2c6aa and e252cb2: docs/detection-quality.md) joined the training in the evening
    # session of 5 December 2026 (the second night). Sets 26-28 joined the training on 6 December. Today's
    # figures, over sets 1-28:
    ("blind10", "static", 15, 3, 1),  # 15/15, 3/85, 1 high
    ("blind10", "full", 14, 1, 1),  # 14/15, 1/85, 1 high with the tuned model (before: 14/15, 3/85, 0 high)
    ("blind11", "static", 25, 1, 0),  # 25/30, 1/20, 0 high (m-h28 caught by LW-CYBER-013, 7 Dec)
    ("blind11", "full", 28, 0, 0),  # 28/30, 0/20, 0 high with the tuned model (before: 27/30, 2/20, 0 high)
    ("blind12", "static", 12, 3, 0),  # 12/12, 3/88, 0 high
    ("blind12", "full", 12, 1, 1),  # 12/12, 1/88, 1 high
    ("blind13", "static", 22, 1, 0),  # 22/30, 1/20, 0 high
    ("blind13", "full", 27, 1, 0),  # 27/30, 1/20, 0 high with the tuned model (before: 26/30, 1/20, 0 high)
    ("blind14", "static", 12, 3, 1),  # 12/12, 3/88, 1 high
    ("blind14", "full", 12, 3, 0),  # 12/12, 3/88, 0 high with the tuned model (before: 12/12, 4/88, 1 high)
    ("blind15", "static", 24, 1, 0),  # 24/30, 1/20, 0 high
    ("blind15", "full", 27, 0, 0),  # 27/30, 0/20, 0 high with the tuned model (before: 25/30, 2/20, 0 high)
    ("blind16", "static", 10, 1, 0),  # 10/10, 1/90, 0 high
    ("blind16", "full", 10, 2, 0),  # 10/10, 2/90, 0 high
    ("blind17", "static", 24, 4, 0),  # 24/30, 4/20, 0 high
    ("blind17", "full", 28, 1, 0),  # 28/30, 1/20, 0 high with the tuned model (before: 27/30, 1/20, 0 high)
    ("blind18", "static", 15, 3, 1),  # 15/15, 3/10, 1 high
    ("blind18", "full", 14, 2, 1),  # 14/15, 2/10, 1 high
    ("blind19", "static", 10, 1, 1),  # 10/10, 1/15, 1 high
    ("blind19", "full", 10, 1, 0),  # 10/10, 1/15, 0 high
    ("blind20", "static", 13, 1, 0),  # 13/15, 1/10, 0 high
    ("blind20", "full", 15, 2, 0),  # 15/15, 2/10, 0 high with the tuned model (before: 15/15, 1/10, 0 high)
    ("blind21", "static", 9, 1, 0),  # 9/10, 1/15, 0 high
    ("blind21", "full", 10, 2, 0),  # 10/10, 2/15, 0 high
    ("blind22", "static", 13, 0, 0),  # 13/15, 0/10, 0 high
    ("blind22", "full", 14, 1, 0),  # 14/15, 1/10, 0 high with the tuned model (before: 13/15, 1/10, 0 high)
    ("blind23", "static", 10, 1, 0),  # 10/10, 1/15, 0 high
    ("blind23", "full", 10, 1, 0),  # 10/10, 1/15, 0 high
    ("blind24", "static", 14, 0, 0),  # 14/15, 0/10, 0 high
    ("blind24", "full", 13, 3, 1),  # 13/15, 3/10, 1 high with the tuned model (before: 13/15, 3/10, 0 high)
    ("blind25", "static", 10, 2, 0),  # 10/10, 2/15, 0 high
    ("blind25", "full", 10, 2, 1),  # 10/10, 2/15, 1 high with the tuned model (before: 10/10, 2/15, 0 high)
    ("blind26", "static", 14, 4, 0),  # 14/15, 4/10, 0 high
    ("blind26", "full", 14, 2, 0),  # 14/15, 2/10, 0 high with the tuned model (before: 15/15, 4/10, 1 high)
    ("blind27", "static", 10, 1, 0),  # 10/10, 1/15, 0 high
    ("blind27", "full", 10, 2, 0),  # 10/10, 2/15, 0 high
    ("blind28", "static", 8, 4, 0),  # 8/10, 4/15, 0 high
    ("blind28", "full", 9, 2, 0),  # 9/10, 2/15, 0 high
    # Held out: sets 26 (adversarial), 27 (ordinary inbox) and 28 (inside the organisation) were measured
    # before any tuning at d2570e3 (set 26 static 14/15 and 4/10 (2 high), full 15/15 and 4/10 (1 high); set 27
    # static 10/10 and 4/15 (1 high), full 10/10 and 6/15 (2 high); set 28 static 9/10 and 8/15 (5 high), full
    # 9/10 and 3/15) and joined the training on 6 December (above).
    # Held out: set 29 (adversarial) and set 30 (ordinary inbox), written after sets 26-28 and measured before
    # any tuning at b238ac4: set 29 static 13/15 and 5/10 (1 high), full 15/15 and 6/10 (2 high); set 30 static
    # 10/10 and 3/15 (1 high), full 10/10 and 5/15 (1 high). Today (sets 26-28 joined):
    ("blind29", "static", 13, 4, 1),  # 13/15, 4/10, 1 high
    ("blind29", "full", 14, 4, 1),  # 14/15, 4/10, 1 high with the tuned model (before: 14/15, 5/10, 2 high)
    ("blind30", "static", 10, 3, 1),  # 10/10, 3/15, 1 high
    ("blind30", "full", 10, 2, 0),  # 10/10, 2/15, 0 high with the tuned model (before: 10/10, 3/15, 1 high)
    # Held out: sets 31 (adversarial), 32 (ordinary inbox) and 33 (hard legitimate), measured before any
    # tuning at 034b73e: set 31 static 14/15 and 6/10 (1 high), full 15/15 and 6/10 (1 high); set 32 static
    # 10/10 and 1/15, full 10/10 and 0/15; set 33 static 5/5 and 6/20 (2 high), full 5/5 and 2/20. Today (with
    # LW-SEM-PROTECT):
    ("blind31", "static", 14, 6, 1),  # 14/15, 6/10, 1 high
    ("blind31", "full", 15, 5, 0),  # 15/15, 5/10, 0 high with the tuned model (before: 15/15, 6/10, 0 high)
    ("blind32", "static", 10, 0, 0),  # 10/10, 0/15, 0 high
    ("blind32", "full", 10, 0, 0),  # 10/10, 0/15, 0 high
    ("blind33", "static", 5, 4, 1),  # 5/5, 4/20, 1 high
    ("blind33", "full", 5, 2, 0),  # 5/5, 2/20, 0 high
    # Held out: sets 34 (adversarial), 35 (hard legitimate) and 36 (ordinary inbox), measured before any
    # tuning at bbd79fe: set 34 static 14/15 and 5/10 (2 high), full 15/15 and 6/10; set 35 static 5/5 and 7/20
    # (2 high), full 5/5 and 4/20 (1 high); set 36 static 10/10 and 2/15, full 10/10 and 1/15. Today:
    ("blind34", "static", 14, 4, 2),  # 14/15, 4/10, 2 high
    ("blind34", "full", 15, 3, 0),  # 15/15, 3/10, 0 high with the tuned model (before: 15/15, 6/10, 0 high)
    ("blind35", "static", 5, 7, 2),  # 5/5, 7/20, 2 high
    ("blind35", "full", 5, 3, 0),  # 5/5, 3/20, 0 high with the tuned model (before: 5/5, 3/20, 1 high)
    ("blind36", "static", 10, 2, 0),  # 10/10, 2/15, 0 high
    ("blind36", "full", 10, 1, 0),  # 10/10, 1/15, 0 high
    # Held out: sets 37 (adversarial), 38 (ordinary inbox) and 39 (hard legitimate), measured before any
    # tuning at cc3a48c: set 37 static 15/15 and 1/10, full 15/15 and 0/10; set 38 static 6/6 and 2/19 (1 high),
    # full 6/6 and 3/19 (1 high); set 39 static 5/5 and 3/20 (1 high), full 5/5 and 4/20 (1 high). Today:
    ("blind37", "static", 15, 1, 0),  # 15/15, 1/10, 0 high
    ("blind37", "full", 15, 1, 0),  # 15/15, 1/10, 0 high with the tuned model (before: 15/15, 0/10, 0 high)
    ("blind38", "static", 6, 2, 1),  # 6/6, 2/19, 1 high
    ("blind38", "full", 6, 1, 0),  # 6/6, 1/19, 0 high with the tuned model (before: 6/6, 3/19, 1 high)
    ("blind39", "static", 5, 3, 1),  # 5/5, 3/20, 1 high
    ("blind39", "full", 5, 2, 0),  # 5/5, 2/20, 0 high with the tuned model (before: 5/5, 3/20, 1 high)
    # Held out: sets 40 (adversarial), 41 (ordinary inbox) and 42 (hard legitimate), measured before any
    # tuning at 3e08369: set 40 static 15/15 and 2/10, full 14/15 and 1/10; set 41 static 5/5 and 5/20, full
    # 5/5 and 1/20; set 42 static 5/5 and 9/20 (2 high), full 5/5 and 4/20 (1 high). Today:
    ("blind40", "static", 15, 2, 0),  # 15/15, 2/10, 0 high
    ("blind40", "full", 14, 0, 0),  # 14/15, 0/10, 0 high with the tuned model (before: 14/15, 1/10, 0 high)
    ("blind41", "static", 5, 5, 0),  # 5/5, 5/20, 0 high
    ("blind41", "full", 5, 0, 0),  # 5/5, 0/20, 0 high with the tuned model (before: 5/5, 1/20, 0 high)
    ("blind42", "static", 5, 8, 2),  # 5/5, 8/20, 2 high
    ("blind42", "full", 5, 3, 1),  # 5/5, 3/20, 1 high with the tuned model (before: 5/5, 4/20, 1 high)
    ("blind43", "static", 15, 3, 0),  # 15/15, 3/10, 0 high
    ("blind43", "full", 15, 3, 0),  # 15/15, 3/10, 0 high with the tuned model (before: 15/15, 2/10, 0 high)
    ("blind44", "static", 5, 8, 2),  # 5/5, 8/20, 2 high
    ("blind44", "full", 5, 6, 0),  # 5/5, 6/20, 0 high with the tuned model (before: 5/5, 5/20, 0 high)
    # Held out: sets 45 (adversarial) and 46 (ordinary inbox), measured before any tuning at 220a5fe: set 45
    # static 14/15 and 4/10 (2 high), full 15/15 and 2/10; set 46 static 5/5 and 3/20, full 5/5 and 1/20. Today:
    ("blind45", "static", 14, 4, 2),  # 14/15, 4/10, 2 high
    ("blind45", "full", 15, 1, 0),  # 15/15, 1/10, 0 high with the tuned model (before: 15/15, 2/10, 0 high)
    ("blind46", "static", 5, 3, 0),  # 5/5, 3/20, 0 high
    ("blind46", "full", 5, 1, 0),  # 5/5, 1/20, 0 high
    # Held out: sets 47 (adversarial) and 48 (ordinary inbox), measured before any tuning at 7e04992: set 47
    # static 12/15 and 5/10, full 13/15 and 3/10 (1 high); set 48 static 5/5 and 0/20, full 5/5 and 0/20. Today:
    ("blind47", "static", 12, 5, 0),  # 12/15, 5/10, 0 high
    ("blind47", "full", 14, 3, 0),  # 14/15, 3/10, 0 high with the tuned model (before: 13/15, 3/10, 1 high)
    ("blind48", "static", 5, 0, 0),  # 5/5, 0/20, 0 high
    ("blind48", "full", 5, 0, 0),  # 5/5, 0/20, 0 high
    # Held out: sets 49 (adversarial) and 50 (ordinary inbox), measured before any tuning at 08357df: set 49
    # static 15/15 and 2/10, full 15/15 and 2/10; set 50 static 5/5 and 1/20, full 5/5 and 2/20. Today:
    ("blind49", "static", 15, 2, 0),  # 15/15, 2/10, 0 high
    ("blind49", "full", 15, 2, 0),  # 15/15, 2/10, 0 high
    ("blind50", "static", 5, 1, 0),  # 5/5, 1/20, 0 high
    ("blind50", "full", 5, 2, 0),  # 5/5, 2/20, 0 high
    # Held out: sets 51 (adversarial) and 52 (ordinary inbox), measured before any tuning at aa404a9: set 51
    # static 12/15 and 4/10 (2 high), full 12/15 and 2/10 (1 high); set 52 static 5/5 and 4/20, full 5/5 and 0/20. Today:
    # LW-CYBER-013 (7 Dec, written after reading av-h04 and av-h07, so no longer blind for them) catches both:
    ("blind51", "static", 14, 4, 2),  # 14/15, 4/10, 2 high
    ("blind51", "full", 15, 2, 0),  # 15/15, 2/10, 0 high with the tuned model (before: 14/15, 2/10, 1 high)
    ("blind52", "static", 5, 4, 0),  # 5/5, 4/20, 0 high
    ("blind52", "full", 5, 0, 0),  # 5/5, 0/20, 0 high
    # Held out: sets 53 (adversarial) and 54 (ordinary inbox), measured before any tuning at 88d2f7e. Today:
    ("blind53", "static", 14, 4, 0),  # 14/15, 4/10, 0 high
    ("blind53", "full", 14, 1, 0),  # 14/15, 1/10, 0 high with the tuned model (before: 14/15, 2/10, 1 high)
    ("blind54", "static", 5, 3, 0),  # 5/5, 3/20, 0 high
    ("blind54", "full", 5, 2, 0),  # 5/5, 2/20, 0 high
    # Held out: sets 55 (adversarial) and 56 (ordinary inbox), measured before any tuning at 7df8c7d. Today:
    ("blind55", "static", 15, 2, 1),  # 15/15, 2/10, 1 high
    ("blind55", "full", 14, 3, 0),  # 14/15, 3/10, 0 high with the tuned model (before: 14/15, 2/10, 0 high)
    ("blind56", "static", 5, 3, 1),  # 5/5, 3/20, 1 high
    ("blind56", "full", 5, 2, 1),  # 5/5, 2/20, 1 high with the tuned model (before: 5/5, 1/20, 1 high)
    # Held out: sets 57 (adversarial) and 58 (ordinary inbox), measured before any tuning at b3cb7f5. Today:
    ("blind57", "static", 12, 4, 0),  # 12/15, 4/10, 0 high
    ("blind57", "full", 10, 3, 0),  # 10/15, 3/10, 0 high with the tuned model (before: 10/15, 4/10, 0 high)
    ("blind58", "static", 5, 2, 0),  # 5/5, 2/20, 0 high
    ("blind58", "full", 5, 4, 0),  # 5/5, 4/20, 0 high with the tuned model (before: 5/5, 3/20, 0 high)
    # Held out: sets 59 (adversarial) and 60 (ordinary inbox), measured before any tuning at 1c6c3bf. Today:
    ("blind59", "static", 13, 4, 2),  # 13/15, 4/10, 2 high
    ("blind59", "full", 15, 4, 1),  # 15/15, 4/10, 1 high with the tuned model (before: 11/15, 5/10, 2 high)
    ("blind60", "static", 5, 3, 0),  # 5/5, 3/20, 0 high
    ("blind60", "full", 5, 4, 0),  # 5/5, 4/20, 0 high with the tuned model (before: 5/5, 2/20, 0 high)
    # Held out: sets 61 and 62 (two ordinary inboxes), measured before any tuning at 96d351c. Today:
    ("blind61", "static", 5, 2, 0),  # 5/5, 2/20, 0 high
    ("blind61", "full", 5, 1, 0),  # 5/5, 1/20, 0 high with the tuned model (before: 5/5, 4/20, 0 high)
    ("blind62", "static", 5, 2, 0),  # 5/5, 2/20, 0 high
    ("blind62", "full", 5, 2, 0),  # 5/5, 2/20, 0 high
    # Held out: sets 63 (adversarial) and 64 (ordinary inbox), measured before any tuning at fe6d1b9. Today:
    ("blind63", "static", 9, 4, 0),  # 9/15, 4/10, 0 high
    ("blind63", "full", 14, 2, 0),  # 14/15, 2/10, 0 high with the tuned model (before: 12/15, 1/10, 0 high)
    ("blind64", "static", 5, 2, 0),  # 5/5, 2/20, 0 high
    ("blind64", "full", 5, 1, 0),  # 5/5, 1/20, 0 high with the tuned model (before: 5/5, 2/20, 0 high)
    # Held out: sets 65 (adversarial) and 66 (ordinary inbox), measured before any tuning at ac77708. Today:
    ("blind65", "static", 15, 2, 0),  # 15/15, 2/10, 0 high
    ("blind65", "full", 14, 0, 0),  # 14/15, 0/10, 0 high with the tuned model (before: 12/15, 0/10, 0 high)
    ("blind66", "static", 5, 5, 1),  # 5/5, 5/20, 1 high
    ("blind66", "full", 5, 4, 1),  # 5/5, 4/20, 1 high with the tuned model (before: 5/5, 8/20, 2 high)
    # Held out: sets 67 (adversarial) and 68 (ordinary inbox), measured before any tuning at eaa84d1. Today:
    ("blind67", "static", 14, 2, 1),  # 14/15, 2/10, 1 high
    ("blind67", "full", 13, 2, 0),  # 13/15, 2/10, 0 high with the tuned model (before: 10/15, 1/10, 0 high)
    ("blind68", "static", 5, 2, 0),  # 5/5, 2/20, 0 high
    ("blind68", "full", 5, 3, 0),  # 5/5, 3/20, 0 high with the tuned model (before: 5/5, 4/20, 0 high)
    ("blind69", "static", 11, 3, 0),  # 11/15, 3/10, 0 high (measured at b3243ab, before any tuning)
    ("blind69", "full", 13, 1, 0),  # 13/15, 1/10, 0 high with the tuned model (before: 12/15, 2/10, 0 high)
    ("blind70", "static", 4, 1, 0),  # 4/5, 1/20, 0 high
    ("blind70", "full", 4, 1, 0),  # 4/5, 1/20, 0 high
    # Sets 71 (adversarial) and 72 (ordinary inbox), measured before any tuning at c9d1064 (stop 44 as landed):
    ("blind71", "static", 14, 4, 0),  # 14/15, 4/10, 0 high
    ("blind71", "full", 13, 0, 0),  # 13/15, 0/10, 0 high with the tuned model (before: 13/15, 1/10, 0 high)
    ("blind72", "static", 5, 6, 0),  # 5/5, 6/20, 0 high
    ("blind72", "full", 5, 3, 0),  # 5/5, 3/20, 0 high with the tuned model (before: 5/5, 4/20, 0 high)
    # Sets 73 (adversarial) and 74 (ordinary inbox), measured before any change at 441c2a9 (the tuned model landed):
    ("blind73", "static", 13, 1, 0),  # 13/15, 1/10, 0 high
    ("blind73", "full", 14, 0, 0),  # 14/15, 0/10, 0 high (the untuned model: 13/15, 0/10)
    ("blind74", "static", 4, 2, 0),  # 4/5, 2/20, 0 high
    ("blind74", "full", 4, 5, 0),  # 4/5, 5/20, 0 high (the untuned model: 4/5, 4/20)
    # The cyber-lure set (not trained on), measured before any tuning at ed2c6aa: static 11/12 and 2/12 (1 high),
    # full 10/12 and 2/12 (1 high), rules alone 8/12 and 3/12; its four rule misses prompted LW-CYBER-011/012
    # and the wider LW-CYBER-003/004 and LW-FILE-004. Today:
    ("cyber1", "static", 12, 3, 1),  # 12/12, 3/12, 1 high
    ("cyber1", "full", 12, 2, 1),  # 12/12, 2/12, 1 high
])
def test_blind_sets_10_to_74_keep_their_figures(name, encoder, min_hostile, max_legit, max_legit_high):
    h, nh, lg, nl, high = _measure(name, encoder)
    assert h >= min_hostile, f"{name}: {h}/{nh} hostile flagged"
    assert lg <= max_legit and high <= max_legit_high, f"{name}: {lg}/{nl} legitimate flagged, {high} high"


@pytest.mark.slow
@pytest.mark.parametrize(("name", "min_hostile", "max_legit", "max_legit_high"), [
    # `--semantic confirm` (the static table, then the full model decides every approach the table scores
    # CONFIRM_AT or more), measured when it was added (ninth session of 6 December 2026) with the models of
    # stop 34; sets 1-28 are in sample for both models, 29-52 held out from both (docs/detection-quality.md):
    ("blind10", 14, 1, 1),  # 14/15, 1/85, 1 high with the tuned model (before: 14/15, 2/85, 0 high)
    ("blind11", 28, 0, 0),  # 28/30, 0/20, 0 high with the tuned model (before: 27/30, 2/20, 0 high)
    ("blind12", 12, 1, 1),  # 12/12, 1/88, 1 high
    ("blind13", 26, 1, 0),  # 26/30, 1/20, 0 high
    ("blind14", 12, 2, 0),  # 12/12, 2/88, 0 high with the tuned model (before: 12/12, 4/88, 1 high)
    ("blind15", 27, 0, 0),  # 27/30, 0/20, 0 high with the tuned model (before: 25/30, 2/20, 0 high)
    ("blind16", 10, 1, 0),  # 10/10, 1/90, 0 high
    ("blind17", 27, 1, 0),  # 27/30, 1/20, 0 high
    ("blind18", 14, 2, 1),  # 14/15, 2/10, 1 high
    ("blind19", 10, 1, 0),  # 10/10, 1/15, 0 high
    ("blind20", 15, 1, 0),  # 15/15, 1/10, 0 high with the tuned model (before: 15/15, 0/10, 0 high)
    ("blind21", 10, 1, 0),  # 10/10, 1/15, 0 high
    ("blind22", 14, 1, 0),  # 14/15, 1/10, 0 high with the tuned model (before: 13/15, 1/10, 0 high)
    ("blind23", 10, 1, 0),  # 10/10, 1/15, 0 high
    ("blind24", 13, 2, 1),  # 13/15, 2/10, 1 high with the tuned model (before: 13/15, 2/10, 0 high)
    ("blind25", 10, 2, 1),  # 10/10, 2/15, 1 high with the tuned model (before: 10/10, 2/15, 0 high)
    ("blind26", 14, 2, 0),  # 14/15, 2/10, 0 high with the tuned model (before: 15/15, 4/10, 1 high)
    ("blind27", 10, 2, 0),  # 10/10, 2/15, 0 high
    ("blind28", 9, 2, 0),  # 9/10, 2/15, 0 high
    ("blind29", 14, 3, 1),  # 14/15, 3/10, 1 high with the tuned model (before: 13/15, 4/10, 2 high)
    ("blind30", 10, 2, 0),  # 10/10, 2/15, 0 high with the tuned model (before: 10/10, 3/15, 1 high)
    ("blind31", 15, 5, 0),  # 15/15, 5/10, 0 high with the tuned model (before: 15/15, 6/10, 0 high)
    ("blind32", 10, 0, 0),  # 10/10, 0/15, 0 high
    ("blind33", 5, 2, 0),  # 5/5, 2/20, 0 high
    ("blind34", 15, 3, 0),  # 15/15, 3/10, 0 high with the tuned model (before: 15/15, 6/10, 0 high)
    ("blind35", 5, 3, 0),  # 5/5, 3/20, 0 high with the tuned model (before: 5/5, 3/20, 1 high)
    ("blind36", 10, 0, 0),  # 10/10, 0/15, 0 high
    ("blind37", 15, 1, 0),  # 15/15, 1/10, 0 high with the tuned model (before: 15/15, 0/10, 0 high)
    ("blind38", 6, 1, 0),  # 6/6, 1/19, 0 high with the tuned model (before: 6/6, 2/19, 1 high)
    ("blind39", 5, 2, 0),  # 5/5, 2/20, 0 high with the tuned model (before: 5/5, 3/20, 1 high)
    ("blind40", 14, 0, 0),  # 14/15, 0/10, 0 high with the tuned model (before: 14/15, 1/10, 0 high)
    ("blind41", 5, 0, 0),  # 5/5, 0/20, 0 high with the tuned model (before: 5/5, 1/20, 0 high)
    ("blind42", 5, 3, 1),  # 5/5, 3/20, 1 high with the tuned model (before: 5/5, 4/20, 1 high)
    ("blind43", 15, 3, 0),  # 15/15, 3/10, 0 high with the tuned model (before: 15/15, 2/10, 0 high)
    ("blind44", 5, 6, 0),  # 5/5, 6/20, 0 high with the tuned model (before: 5/5, 4/20, 0 high)
    ("blind45", 15, 1, 0),  # 15/15, 1/10, 0 high with the tuned model (before: 15/15, 2/10, 0 high)
    ("blind46", 5, 1, 0),  # 5/5, 1/20, 0 high
    ("blind47", 14, 3, 0),  # 14/15, 3/10, 0 high with the tuned model (before: 13/15, 3/10, 1 high)
    ("blind48", 5, 0, 0),  # 5/5, 0/20, 0 high
    ("blind49", 15, 2, 0),  # 15/15, 2/10, 0 high
    ("blind50", 5, 2, 0),  # 5/5, 2/20, 0 high
    ("blind51", 15, 2, 0),  # 15/15, 2/10, 0 high with the tuned model (before: 14/15, 2/10, 1 high (av-h04 and av-h07 caught by LW-CYBER-013, 7 Dec))
    ("blind52", 5, 0, 0),  # 5/5, 0/20, 0 high
    ("blind53", 14, 1, 0),  # 14/15, 1/10, 0 high with the tuned model (before: 14/15, 2/10, 1 high (measured at 88d2f7e, before any tuning))
    ("blind54", 5, 2, 0),  # 5/5, 2/20, 0 high (measured at 88d2f7e, before any tuning)
    ("blind55", 14, 3, 0),  # 14/15, 3/10, 0 high with the tuned model (before: 14/15, 2/10, 0 high (measured at 7df8c7d, before any tuning))
    ("blind56", 5, 1, 1),  # 5/5, 1/20, 1 high (measured at 7df8c7d, before any tuning)
    ("blind57", 10, 3, 0),  # 10/15, 3/10, 0 high (measured at b3cb7f5, before any tuning)
    ("blind58", 5, 4, 0),  # 5/5, 4/20, 0 high with the tuned model (before: 5/5, 3/20, 0 high (measured at b3cb7f5, before any tuning))
    ("blind59", 15, 4, 1),  # 15/15, 4/10, 1 high with the tuned model (before: 11/15, 5/10, 2 high (measured at 1c6c3bf, before any tuning))
    ("blind60", 5, 3, 0),  # 5/5, 3/20, 0 high with the tuned model (before: 5/5, 2/20, 0 high (measured at 1c6c3bf, before any tuning))
    ("blind61", 5, 0, 0),  # 5/5, 0/20, 0 high with the tuned model (before: 5/5, 2/20, 0 high (measured at 96d351c, before any tuning))
    ("blind62", 5, 1, 0),  # 5/5, 1/20, 0 high with the tuned model (before: 5/5, 2/20, 0 high (measured at 96d351c, before any tuning))
    ("blind63", 14, 2, 0),  # 14/15, 2/10, 0 high with the tuned model (before: 12/15, 1/10, 0 high (measured at fe6d1b9, before any tuning))
    ("blind64", 5, 1, 0),  # 5/5, 1/20, 0 high with the tuned model (before: 5/5, 2/20, 0 high (measured at fe6d1b9, before any tuning))
    ("blind65", 14, 0, 0),  # 14/15, 0/10, 0 high with the tuned model (before: 12/15, 0/10, 0 high (measured at ac77708, before any tuning))
    ("blind66", 5, 4, 1),  # 5/5, 4/20, 1 high with the tuned model (before: 5/5, 8/20, 2 high (measured at ac77708, before any tuning))
    ("blind67", 13, 2, 0),  # 13/15, 2/10, 0 high with the tuned model (before: 10/15, 1/10, 0 high (measured at eaa84d1, before any tuning))
    ("blind68", 5, 3, 0),  # 5/5, 3/20, 0 high with the tuned model (before: 5/5, 4/20, 0 high (measured at eaa84d1, before any tuning))
    ("blind69", 12, 1, 0),  # 12/15, 1/10, 0 high with the tuned model (before: 11/15, 2/10, 0 high (measured at b3243ab, before any tuning))
    ("blind70", 4, 0, 0),  # 4/5, 0/20, 0 high (measured at b3243ab, before any tuning)
    ("blind71", 13, 0, 0),  # 13/15, 0/10, 0 high with the tuned model (before: 13/15, 1/10, 0 high (measured at c9d1064, before any tuning))
    ("blind72", 5, 3, 0),  # 5/5, 3/20, 0 high with the tuned model (before: 5/5, 4/20, 0 high (measured at c9d1064, before any tuning))
    ("blind73", 14, 0, 0),  # 14/15, 0/10, 0 high (measured at 441c2a9, before any change)
    ("blind74", 3, 5, 0),  # 3/5, 5/20, 0 high (measured at 441c2a9, before any change)
    ("cyber1", 12, 2, 1),  # 12/12, 2/12, 1 high
])
def test_confirm_mode_keeps_its_figures(name, min_hostile, max_legit, max_legit_high):
    h, nh, lg, nl, high = _measure(name, "confirm")
    assert h >= min_hostile, f"{name}: {h}/{nh} hostile flagged"
    assert lg <= max_legit and high <= max_legit_high, f"{name}: {lg}/{nl} legitimate flagged, {high} high"


@pytest.mark.slow
@pytest.mark.parametrize(("encoder", "sets", "min_recall", "max_fp", "min_adversarial"), [
    # Measured with today's rules and probes, in sample: static over sets 1-28 (its combiner's training sets)
    # 307/314, 24/656 (3 high), adversarial 215/250. The tuned full model over sets 1-56 (its combiner's; the
    # model itself read the annotated sentences of 1-28), ninth session of 7 December 2026: 406/410, 48/960
    # (5 high), adversarial 407/430; leave one set out it flags 399/410, 63/960 (10 high) and 394/430
    # (docs/detection-quality.md).
    ("static", BLIND_SETS, 0.977, 0.037, 0.85),
    ("full", TUNED_TRAINING_SETS, 0.985, 0.052, 0.94),
])
def test_the_training_sets_meet_the_goals_with_todays_rules(encoder, sets, min_recall, max_fp, min_adversarial):
    tot = {"ord": [0, 0, 0, 0, 0], "adv": [0, 0, 0, 0, 0]}
    for name in sets:
        a = tot["adv" if name in ADVERSARIAL_SETS else "ord"]
        for i, v in enumerate(_measure(name, encoder)):
            a[i] += v
    h, nh, lg, nl, high = tot["ord"]
    assert h / nh >= min_recall, f"{h}/{nh}"
    assert lg / nl <= max_fp and high / nl <= 0.01, f"{lg}/{nl}, {high} high"
    ah, anh = tot["adv"][0], tot["adv"][1]
    assert ah / anh >= min_adversarial, f"adversarial {ah}/{anh}"

