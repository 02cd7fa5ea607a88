"""The mitigating semantic family LW-SEM-PROTECT: a sender who protects the recipient's obligations.

It is read by meaning like the asking families, but lowers a score: each sentence counts for what it most
expresses, a reassurance inside an ask protects nothing, a call for secrecy withdraws it, and it never
counts as behaviour, as a late ask or as a connection note's peak.
"""

from __future__ import annotations

import pytest
from tests.test_combiner import _thread

from lurewatch.learned.combiner import features, has_behaviour, note_peak_family
from lurewatch.pipeline import Analyser
from lurewatch.scoring.combine import score_findings
from lurewatch.scoring.providers import ScanContext
from lurewatch.semantic.layer import LATE, default_layer, is_mitigating

PROTECT = "LW-SEM-PROTECT"
PROTECTIVE = "We only need your general views; nothing your employer would consider proprietary."


@pytest.fixture(scope="module", params=["static", "full"])
def layer(request):
    lay = default_layer(request.param)
    assert lay is not None
    return lay


def test_the_family_is_declared_mitigating(layer) -> None:
    fam = next(f for f in layer.families if f.id == PROTECT)
    assert fam.mitigating and is_mitigating(PROTECT)
    assert not any(is_mitigating(f.id) for f in layer.families if f.id != PROTECT)


def test_a_protective_sentence_counts_for_legitimacy_and_for_no_ask(layer) -> None:
    sem, findings = layer.family_scores(_thread(PROTECTIVE))
    assert sem[PROTECT] > 0
    # The full model's secrecy probe reads this sentence as secrecy (0.85) on its own; read as what it
    # most expresses, it is protection and asks nothing.
    assert all(v == 0 for k, v in sem.items() if k != PROTECT), sem
    f = next(f for f in findings if f.indicator == PROTECT)
    assert PROTECTIVE[:40] in f.evidence and f.category == "semantic"


def test_a_reassurance_inside_an_ask_protects_nothing(layer) -> None:
    sem, findings = layer.family_scores(_thread(
        "Nothing confidential of course, just send the internal test results before Friday."))
    assert sem[PROTECT] == 0
    assert not any(f.indicator == PROTECT for f in findings)


def test_a_call_for_secrecy_withdraws_the_protective_input(layer) -> None:
    a = _thread(PROTECTIVE + " Please keep this between us though, no need to tell your manager.")
    sem, _ = layer.family_scores(a)
    assert sem[PROTECT] > 0 and sem["LW-SEM-SECRET"] > 0
    x = features(a, [], 0.0, sem)
    assert x[f"sem:{PROTECT}"] == 0.0
    # Without the call for secrecy the input stands.
    sem2, _ = layer.family_scores(_thread(PROTECTIVE))
    assert features(_thread(PROTECTIVE), [], 0.0, sem2)[f"sem:{PROTECT}"] == sem2[PROTECT] > 0


def test_protection_is_never_behaviour_a_late_ask_or_a_notes_peak(layer) -> None:
    note = _thread(PROTECTIVE, source="linkedin-invitation")
    sem, _ = layer.family_scores(note)
    assert sem[PROTECT] > 0
    assert note_peak_family(note, sem) is None and features(note, [], 0.0, sem)["note_peak"] == 0.0
    assert not has_behaviour([], sem)
    late = _thread("Hello, I enjoyed your talk on cryogenic wiring.", {"owner": "Thanks!"}, PROTECTIVE)
    sem, _ = layer.family_scores(late)
    assert sem[PROTECT] > 0 and sem.get(LATE, 0.0) == 0.0


def test_the_shipped_models_lower_a_score_for_it_and_its_finding_carries_the_term() -> None:
    ask = ("Hi, I run a small advisory practice and we're preparing a market note on cryogenic control "
           "electronics. Would you join a paid one-hour call to share your views on where the field is going?")
    for kind in ("static", "full"):
        an = Analyser(ScanContext(semantic=kind))
        assert an.layer is not None
        assert an.combiner is not None and an.combiner.coef.get(f"sem:{PROTECT}", 0.0) < 0, kind
        plain = an.analyse_one(_thread(ask))
        guarded = an.analyse_one(_thread(ask + " " + PROTECTIVE))
        assert guarded.score < plain.score, kind
        carrier = next(f for f in guarded.findings if f.indicator == PROTECT)
        assert carrier.contribution is not None and carrier.contribution < 0
        rule = [f for f in guarded.findings if f.category != "semantic"]
        sem, _ = an.layer.family_scores(guarded)
        x = features(guarded, rule, score_findings(rule), sem)
        assert carrier.contribution == pytest.approx(an.combiner.coef[f"sem:{PROTECT}"] * x[f"sem:{PROTECT}"],
                                                     abs=1e-3)


@pytest.mark.parametrize("kind", ["static", "full"])
def test_a_withdrawn_reassurance_is_not_shown_and_changes_nothing(kind: str) -> None:
    an = Analyser(ScanContext(semantic=kind))
    ask = "Could you send me a summary of the unpublished cryostat results? "
    secret = " Please keep this between us, there is no need to tell your manager."
    covered = an.analyse_one(_thread(ask + PROTECTIVE + secret))
    bare = an.analyse_one(_thread(ask + secret))
    assert covered.score == bare.score and covered.level == bare.level
    assert not any(f.indicator == PROTECT for f in covered.findings)
