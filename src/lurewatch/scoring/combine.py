"""Combine findings into a score (0-100), a level and advice: the rules' own score.

This noisy-OR is the score of job adverts and of scans with `--semantic off`; for conversations the
calibrated combination (lurewatch.learned.combiner) takes it as one of its inputs and makes the score.

The score is a noisy-OR of the finding weights: each finding is read as an independent chance, in
percent, that the approach is hostile, so score = 100 · (1 − Π(1 − wᵢ/100)). Two strong signs add up
quickly and many weak ones slowly; a score never passes 100 and every point traces to a finding.

Context findings (category `target`: the recipient's sector; `interest`: the sensitive technology the
message is about; `approach`: flattery, urgency) say who is approached and how warmly, not what is
asked: they amplify the behavioural score B in proportion to it (S = B + (100 − B)·B/100·C, with C their
noisy-OR), so a harmless message to a quantum engineer stays low. Persona findings (a new, thin, vague
profile) count in full beside behaviour, but alone they keep the score below medium.

Legitimacy findings (negative weights: compliance terms, a normal hiring process, accepting a no)
multiply the score down, by at most 40% together, and are ignored when the approach also asks for
secrecy or sensitive information, or sends a file that runs code.

Levels:
  high   (≥ 60)  several independent red flags of a hostile approach: stop, do not reply, report.
  medium (≥ 30)  red flags that need a check before any reply: verify the sender, tell security.
  low    (< 30)  no or only weak signs; stay alert.
"""

from __future__ import annotations

from lurewatch.indicators import policy
from lurewatch.model import Approach, Finding, Level

HIGH = 60
MEDIUM = 30
# The categories' roles are data (lurewatch/indicators/policy/categories.yaml), as is which asks cannot be
# mitigated (`mitigable: false` in the rules and provider declarations).
CONTEXT = set(policy.with_role("context"))
PERSONA = set(policy.with_role("persona"))
MITIGATING = set(policy.with_role("mitigating"))
MAX_MITIGATION = 0.6  # signs of legitimacy lower a score by at most 40%


def unmitigable() -> frozenset[str]:
    """Asks that polite wording cannot make harmless: with any of these, legitimacy signs are ignored."""
    from lurewatch.indicators.engine import default_engine

    return default_engine().unmitigable


LEVEL_MEANING = {
    "high": "Several independent red flags of a hostile approach.",
    "medium": "Red flags that need checking before any reply.",
    "low": "No or only weak warning signs.",
}

GENERAL_ADVICE = {
    "high": [
        "Stop replying and do not click links, open files or move to another app.",
        "Report the approach to your security team with this report (in the UK also via NPSA's Think Before You Link guidance).",
    ],
    "medium": [
        "Verify the sender and their organisation independently before you reply.",
        "Tell your security team about the approach.",
    ],
    "low": ["No strong warning signs; stay alert if the requests change."],
}


def noisy_or(weights: list[float]) -> float:
    keep = 1.0
    for w in weights:
        keep *= 1.0 - max(0.0, min(w, 100.0)) / 100.0
    return 100.0 * (1.0 - keep)


def level_of(score: float) -> Level:
    if score >= HIGH:
        return "high"
    if score >= MEDIUM:
        return "medium"
    return "low"


def score_findings(findings: list[Finding]) -> int:
    behaviour = [f.weight for f in findings if f.category not in CONTEXT | PERSONA | MITIGATING]
    persona = [f.weight for f in findings if f.category in PERSONA]
    b = noisy_or(behaviour + persona)
    if not behaviour:
        # A persona that merely looks thin or new, with nothing offered or asked, stays low: many
        # genuine people have new, sparse profiles. It is shown so the reader can judge it.
        b = min(b, MEDIUM - 1)
    # Context amplifies behaviour in proportion to it and never creates a score alone.
    c = noisy_or([f.weight for f in findings if f.category in CONTEXT]) / 100.0 if behaviour else 0.0
    s = b + (100.0 - b) * (b / 100.0) * c
    never = unmitigable()
    if not any(f.indicator in never for f in findings):
        keep = 1.0
        for f in findings:
            if f.category in MITIGATING:
                keep *= 1.0 - min(abs(f.weight), 100.0) / 100.0
        s *= max(keep, MAX_MITIGATION)
    return int(round(s))


def advise(findings: list[Finding], level: Level, indicator_advice: dict[str, str]) -> list[str]:
    out: list[str] = []
    # Rule findings first (their advice is the most specific), strongest first: by contribution to the
    # calibrated score when there is one, else by weight; semantic findings' advice after.
    for f in sorted(findings, key=lambda f: (f.category == "semantic",
                                             -(f.contribution if f.contribution is not None else f.weight))):
        if level == "low" and f.category in CONTEXT:
            continue
        tip = indicator_advice.get(f.indicator)
        if tip and tip not in out:
            out.append(tip)
        if len(out) >= 4:
            break
    return GENERAL_ADVICE[level][:1] + out + GENERAL_ADVICE[level][1:]


def apply_score(a: Approach, indicator_advice: dict[str, str]) -> Approach:
    a.findings.sort(key=lambda f: (-f.weight, f.indicator))
    a.score = score_findings(a.findings)
    a.level = level_of(a.score)
    a.advice = advise(a.findings, a.level, indicator_advice)
    return a
