"""Scores: documented levels, escalation scores higher, context alone stays low, legitimacy is bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lurewatch.model import Approach, Finding, Message, Profile
from lurewatch.pipeline import Analyser, check
from lurewatch.scoring import HIGH, MEDIUM, level_of, score_findings


def f(ind: str, cat: str, w: float) -> Finding:
    return Finding(ind, ind, cat, w, "e")


def test_levels_follow_documented_thresholds():
    assert level_of(HIGH) == "high" and level_of(HIGH - 1) == "medium"
    assert level_of(MEDIUM) == "medium" and level_of(MEDIUM - 1) == "low"


def test_noisy_or_combination_is_bounded_and_monotonic():
    one = score_findings([f("A", "offer", 30)])
    two = score_findings([f("A", "offer", 30), f("B", "pivot", 26)])
    assert one == 30 and 30 < two < 56
    many = score_findings([f(str(i), "offer", 90) for i in range(10)])
    assert many == 100


def test_context_and_persona_alone_stay_low():
    only_ctx = [f("T", "target", 8), f("C", "interest", 5), f("F", "approach", 5)]
    assert score_findings(only_ctx) == 0
    persona = [f(str(i), "persona", 14) for i in range(6)]
    assert score_findings(persona) < MEDIUM


def test_legitimacy_lowers_by_at_most_40_percent_and_never_offsets_secrecy():
    base = [f("A", "offer", 30), f("B", "pivot", 26)]
    legit = [f("L1", "legitimacy", -15), f("L2", "legitimacy", -12), f("L3", "legitimacy", -50)]
    s0, s1 = score_findings(base), score_findings(base + legit)
    assert s1 >= round(0.6 * s0) and s1 < s0
    secret = base + [Finding("LW-SECRET-001", "s", "secrecy", 24, "e")]
    assert score_findings(secret + legit) == score_findings(secret)


def _thread(texts: list[str]) -> Approach:
    t0 = datetime(2024, 2, 1, tzinfo=UTC)
    return Approach(source="linkedin-message", sender_name="S",
                    messages=[Message("S", t, t0 + timedelta(days=i)) for i, t in enumerate(texts)],
                    profile=Profile(name="S"))


def test_an_escalating_thread_scores_higher_than_its_first_message():
    first = ("Hi, I came across your impressive work. Our client, a policy institute, would value a short "
             "paper on trends in the field; the work is flexible and well paid.")
    later = ("My client liked your ideas. Next they would like the fabrication yields and suppliers your team "
             "uses, and to invite you to a seminar abroad, all expenses covered. Please keep this between us.")
    an = Analyser()
    alone = an.analyse_one(_thread([first]))
    whole = an.analyse_one(_thread([first, later]))
    assert whole.score > alone.score
    assert "LW-THREAD-001" in {x.indicator for x in whole.findings}
    assert whole.level == "high"


def test_check_explains_and_advises():
    a = check("Shall we move to WhatsApp? My client pays USD 2,000 per report. Keep it between us.")
    assert a.level == "high"
    assert {x.indicator for x in a.findings} >= {"LW-PIVOT-001", "LW-OFFER-001", "LW-SECRET-001"}
    assert all(x.evidence and x.rationale for x in a.findings)
    assert any("WhatsApp" in tip for tip in a.advice)


def test_an_ordinary_message_is_low():
    a = check("Hi Sam, great to see you at the meetup yesterday. Shall we grab coffee next week?")
    assert a.level == "low" and a.score < MEDIUM


def test_analysis_is_thread_safe():
    import threading

    text = "Would you write a paid report for my client? Let's move to WhatsApp and keep it between us."
    expected = check(text).score
    scores: list[int] = []
    errors: list[Exception] = []

    def run():
        try:
            for _ in range(100):
                scores.append(check(text).score)
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and set(scores) == {expected}
