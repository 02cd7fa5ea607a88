"""The semantic layer's own input LW-SEM-LATE (the strongest ask made after the recipient replied) is carried
by the finding of the family that expresses it, so every point of the log-odds traces to a quoted sentence
(before the fifth session of 6 December its term belonged to no finding and the contributions fell short)."""

from __future__ import annotations

import math

import pytest
from tests.test_combiner import _thread

from lurewatch.learned.combiner import THREAD, features
from lurewatch.pipeline import Analyser
from lurewatch.scoring.combine import score_findings
from lurewatch.scoring.providers import ScanContext
from lurewatch.semantic.layer import LATE

OPENING = "Hello, I enjoyed your talk on cryogenic wiring at the workshop last month."
ASK = "Could you send me the internal test results from your last cooldown?"


@pytest.mark.parametrize("encoder", ["static", "full"])
def test_the_late_term_adds_up_in_the_findings_contributions(encoder: str) -> None:
    an = Analyser(ScanContext(use_photos=False, semantic=encoder))
    assert an.layer is not None and an.combiner is not None
    a = an.analyse_one(_thread(OPENING, {"owner": "Thanks, glad it was useful."}, ASK,
                               "Nobody needs to know it came from you; a personal e-mail address is fine."))
    sem_x, _ = an.layer.family_scores(a)
    assert sem_x.get(LATE, 0.0) > 0 and an.combiner.coef.get(f"sem:{LATE}", 0.0) > 0
    rule = [f for f in a.findings if f.category != "semantic"]
    c = an.combiner.combine(features(a, rule, score_findings(rule), sem_x))
    thread = sum(v for k, v in c.terms.items() if k in THREAD)
    total = sum(f.contribution or 0.0 for f in a.findings) + thread + an.combiner.intercept
    assert math.isclose(total, c.logit, abs_tol=0.02 * len(a.findings))
    late = [f for f in a.findings if f.carries.get(LATE)]
    assert len(late) == 1 and late[0].carries[LATE] == pytest.approx(sem_x[LATE])
    assert late[0].contribution is not None
