"""The calibrated combination (lurewatch.learned.combiner) and the semantic layer beside the rules."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import pytest

from lurewatch.learned.combiner import NOTE_PEAK, THREAD, Combiner, features, note_peak_family, thread_features
from lurewatch.model import Approach, Message, Profile
from lurewatch.pipeline import Analyser, check
from lurewatch.scoring.providers import ScanContext
from lurewatch.semantic.layer import INPUTS

COMBINER = Combiner.load()


def _thread(*texts, source="linkedin-message") -> Approach:
    t0 = datetime(2025, 3, 1, tzinfo=UTC)
    msgs = []
    for i, t in enumerate(texts):
        if isinstance(t, dict):
            msgs.append(Message("Owner", t["owner"], t0 + timedelta(days=i), inbound=False))
        else:
            msgs.append(Message("Sender", t, t0 + timedelta(days=i)))
    return Approach(source=source, sender_name="Sender", messages=msgs,
                    owner=Profile(name="Owner", headline="Quantum engineer at Qubitforge"))


def test_the_thresholds_land_on_30_and_60_and_the_map_is_monotone():
    tm, th = COMBINER.t_medium, COMBINER.t_high
    assert COMBINER.to_score(tm) == 30 and COMBINER.to_score(th) == 60
    assert COMBINER.to_score(tm - 1e-6) == 29 and COMBINER.to_score(th - 1e-6) == 59
    scores = [COMBINER.to_score(p / 1000) for p in range(1001)]
    assert scores == sorted(scores) and scores[0] == 0 and scores[-1] == 100


def test_the_model_file_is_checked():
    doc = json.loads(json.dumps(COMBINER.doc))
    doc["thresholds"]["medium"] = 0.9
    with pytest.raises(ValueError, match="thresholds"):
        Combiner(doc)
    with pytest.raises(ValueError, match="not a lurewatch combiner"):
        Combiner({"format": "something-else"})


def test_every_point_of_a_score_traces_to_evidence():
    a = check("My client pays USD 2,000 per report on your unpublished results. Shall we continue on WhatsApp? "
              "There is no need to tell your employer.")
    assert a.level == "high"
    assert all(f.contribution is not None for f in a.findings)
    rule = [f for f in a.findings if f.category != "semantic"]
    sem = [f for f in a.findings if f.category == "semantic"]
    assert rule and sem, "both the rules and the semantic layer should see these asks"
    # The contributions, the thread's terms and the intercept add up to the model's log-odds.
    from lurewatch.scoring.combine import score_findings

    s = score_findings(rule)
    an = Analyser()  # the same encoder and combiner as check() used
    assert an.layer is not None and an.combiner is not None
    sem_x, _ = an.layer.family_scores(a)
    c = an.combiner.combine(features(a, rule, s, sem_x))
    thread = sum(v for k, v in c.terms.items() if k in THREAD)
    total = sum(f.contribution or 0.0 for f in a.findings) + thread + an.combiner.intercept
    assert math.isclose(total, c.logit, abs_tol=0.02 * len(a.findings))
    # Semantic findings quote the sentence, the closest exemplar and the similarity.
    assert all('"' in f.evidence and "closest exemplar" in f.evidence and "similarity" in f.evidence for f in sem)


def test_persona_and_context_alone_never_reach_medium():
    a = _thread("Hello, I admire your work on superconducting qubits and quantum error correction.")
    a.profile = Profile(name="Sender", headline="Director", connections=3, account_created="2025-02-20")
    a = Analyser().analyse_one(a)
    assert a.score < 30, [(f.indicator, f.category) for f in a.findings]


def test_the_recipients_own_words_are_not_read_as_the_senders():
    owner_asks = _thread({"owner": "Could you send me the internal test results and the unpublished yields?"},
                         "Sure, the report is public: it is on our website under publications.")
    a = Analyser().analyse_one(owner_asks)
    # No finding is about the ask, and none quotes the recipient's words (a probe may still read something
    # into the sender's reply: that is the probe's precision, not attribution).
    assert not [f for f in a.findings if f.category == "request" or f.indicator == "LW-SEM-REQ"]
    assert not [f for f in a.findings if "internal test results" in f.evidence or "unpublished" in f.evidence]


def test_thread_shape_features():
    a = _thread("Hi, loved your talk.", {"owner": "Thanks! I can't share anything internal though."},
                "Of course. Just the rough test dates then?")
    x = thread_features(a)
    assert x["pressed_after_no"] == 1.0 and x["owner_replied"] == 1.0 and x["sender_first"] == 1.0
    polite = _thread("Hi, loved your talk.", {"owner": "Thanks, happy to chat."}, "Great, see you Tuesday.")
    assert thread_features(polite)["pressed_after_no"] == 0.0


def test_a_connection_notes_strongest_ask_is_its_own_input_and_traces_to_its_finding():
    note = ("Your panel on sensor fusion was superb. We would fly you to our autumn workshop abroad, all costs "
            "on us plus a fee for your time; could you bring the unpublished test figures?")
    an = Analyser()
    assert an.layer is not None and an.combiner is not None
    inv = an.analyse_one(_thread(note, source="linkedin-invitation"))
    sem_x, _ = an.layer.family_scores(inv)
    peak = note_peak_family(inv, sem_x)
    assert peak is not None and peak not in INPUTS
    assert sem_x[peak] == max(v for k, v in sem_x.items() if k not in INPUTS) > 0
    from lurewatch.scoring.combine import score_findings

    rule = [f for f in inv.findings if f.category != "semantic"]
    x = features(inv, rule, score_findings(rule), sem_x)
    assert x[NOTE_PEAK] == sem_x[peak]
    assert an.combiner.coef.get(NOTE_PEAK, 0.0) > 0, "the shipped models weigh a note's strongest ask"
    # The note's term is carried by the finding of its family, so the contributions still add up.
    c = an.combiner.combine(x)
    thread = sum(v for k, v in c.terms.items() if k in THREAD)
    total = sum(f.contribution or 0.0 for f in inv.findings) + thread + an.combiner.intercept
    assert math.isclose(total, c.logit, abs_tol=0.02 * len(inv.findings))
    carrier = next(f for f in inv.findings if f.category == "semantic" and f.indicator == peak)
    assert carrier.contribution >= c.terms[NOTE_PEAK]
    # The same words inside a thread do not feed it.
    th = _thread(note)
    assert note_peak_family(th, sem_x) is None and features(th, rule, score_findings(rule), sem_x)[NOTE_PEAK] == 0.0


def test_rules_only_mode_still_scores_with_the_noisy_or():
    an = Analyser(ScanContext(semantic="off", combiner=False))
    a = an.analyse_one(_thread("My client pays USD 2,000 per report. Shall we continue on WhatsApp?"))
    assert a.level in ("medium", "high") and all(f.contribution is None for f in a.findings)


def test_a_missing_model_falls_back_to_the_rules_with_a_warning(monkeypatch):
    import lurewatch.semantic.encoder as enc
    import lurewatch.semantic.layer as layer_mod

    def broken(kind="auto"):
        raise enc.SemanticUnavailable("the sentence model file is missing")

    monkeypatch.setattr(enc, "load_encoder", broken)
    monkeypatch.setattr(layer_mod, "_LAYERS", {})
    an = Analyser()
    assert an.layer is None and "missing" in (an.semantic_problem or "")
    a = an.analyse_one(_thread("My client pays USD 2,000 per report. Shall we continue on WhatsApp?"))
    assert a.level in ("medium", "high") and not [f for f in a.findings if f.category == "semantic"]


def test_job_adverts_keep_their_own_scoring():
    from lurewatch.model import JobAdvert

    a = Approach(source="job-advert", sender_name="Advert",
                 advert=JobAdvert(title="Data Entry Clerk", description="Work from home and earn $500 per week."))
    a = Analyser().analyse_one(a)
    assert all(f.contribution is None for f in a.findings)


def _internal(text: str, sender: str = "it-desk@westmarch.example", reply_to: str | None = None,
              owner_email: str = "j.hale@westmarch.example") -> Approach:
    a = _thread(text, source="email")
    a.profile = Profile(name="Sender", email=sender)
    if reply_to:
        a.profile.urls.append("mailto:" + reply_to)
    a.owner = Profile(name="Owner", headline="Engineer", email=owner_email)
    return a


AWARENESS = ("Three tricks we have seen this month: fake recruiters who ask you to move to WhatsApp, 'coding "
             "tests' that ask you to run npm install on your work laptop, and pages that ask for your 2-step "
             "code. Never enter a code you did not request. Forward anything odd to security@westmarch.example "
             "or see https://intranet.westmarch.example/security.")


def test_internal_only_needs_the_own_domain_and_nothing_leading_outside():
    assert thread_features(_internal(AWARENESS))["internal_only"] == 1.0
    # a sub-domain of the organisation is inside; the recipient's domain must be known
    assert thread_features(_internal(AWARENESS, sender="noreply@mail.westmarch.example"))["internal_only"] == 1.0
    # anything that leads outside: a page elsewhere, a webmail address, replies going elsewhere
    outside = AWARENESS + " Please re-verify at https://westmarch-sso.example/login today."
    assert thread_features(_internal(outside))["internal_only"] == 0.0
    webmail = AWARENESS + " My personal address is j.hale.home@gmail.com if the portal is down."
    assert thread_features(_internal(webmail))["internal_only"] == 0.0
    assert thread_features(_internal(AWARENESS, reply_to="desk@westmarch-help.example"))["internal_only"] == 0.0
    # a look-alike of the recipient's domain, or no known recipient domain, is not internal
    assert thread_features(_internal(AWARENESS, sender="it-desk@westmarch-energy.example"))["internal_only"] == 0.0
    assert thread_features(_internal(AWARENESS, owner_email=""))["internal_only"] == 0.0
    # only e-mail: a LinkedIn message has no sender domain to trust
    assert thread_features(_thread(AWARENESS))["internal_only"] == 0.0


def test_the_shipped_models_trust_an_internal_notice_and_its_finding_carries_the_term():
    an = Analyser()
    assert an.combiner is not None and an.combiner.coef.get("internal_only", 0.0) < 0
    a = an.analyse_one(_internal(AWARENESS))
    carrier = next(f for f in a.findings if f.indicator == "LW-LEGIT-005")
    assert carrier.contribution is not None and carrier.contribution <= an.combiner.coef["internal_only"]
    # The same words forged from the recipient's domain but sending them to an outside sign-in page are
    # scored without the internal term, and the page itself is a finding.
    phish = an.analyse_one(_internal(AWARENESS.replace("https://intranet.westmarch.example/security",
                                                       "https://westmarch-sso.example/verify")))
    assert phish.score > a.score
    assert any(f.category == "cyber" or f.indicator.startswith("LW-CYBER") for f in phish.findings)



def test_a_hijacked_colleague_asking_for_secrecy_loses_the_internal_term():
    # The abuse `internal_only` invites: a real internal account, nothing outside, but a request to keep
    # quiet. The input is withdrawn, so the score is what it would be without the input.
    hijack = _internal("Hi Jo, could you send me the latest test results and the customer list for the radar "
                       "project? My VPN is down. Please keep this between us for now, I don't want the PM to "
                       "think I'm behind. Thanks, Priya")
    an = Analyser()
    assert an.combiner is not None
    a = an.analyse_one(hijack)
    assert any(f.category == "secrecy" for f in a.findings)
    from lurewatch.scoring.combine import score_findings

    rule = [f for f in a.findings if f.category != "semantic"]
    assert thread_features(hijack)["internal_only"] == 1.0
    assert features(hijack, rule, score_findings(rule), {})["internal_only"] == 0.0
    carrier = next(f for f in a.findings if f.indicator == "LW-LEGIT-005")
    assert carrier.contribution is not None and carrier.contribution > an.combiner.coef["internal_only"]


def test_internal_only_never_vouches_for_text_it_did_not_read():
    # Padding past the bound, a crowd of inside links before an outside one, or an outside URL too long
    # for the host reader must not leave the message "inside".
    outside = " Sign in at https://westmarch-sso.example/verify today."
    assert thread_features(_internal(AWARENESS + " " + "word " * 5_000 + outside))["internal_only"] == 0.0
    crowd = " ".join(f"https://intranet.westmarch.example/page{i}" for i in range(30))
    assert thread_features(_internal(AWARENESS + " " + crowd + outside))["internal_only"] == 0.0
    long_url = " https://westmarch-sso.example/verify?" + "a" * 400
    assert thread_features(_internal(AWARENESS + long_url))["internal_only"] == 0.0
    assert thread_features(_internal(AWARENESS))["internal_only"] == 1.0
