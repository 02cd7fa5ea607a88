"""Rotated personas: script reuse at sentence level and organisations claimed in the text (issue 12)."""

from __future__ import annotations

import random
import time

import pytest
from tests.test_link import ap, groups, kinds, url

from lurewatch.linking import extract_all, link
from lurewatch.linking.pivots import extract_pivots
from lurewatch.linking.render import to_html
from lurewatch.linking.script import claimed_org, script_keys

# Two rotated personas of one operator: different wording around the same script sentences and firm.
P1 = ("Hello Anna, I hope this finds you well. I am a Senior Partner at Halvard Crest Consulting. "
      "We advise a sovereign infrastructure fund that values practitioners who understand substation "
      "protection schemes in depth. The engagement is remote, discreet and paid per short written memo. "
      "Can we talk this week?")
P2 = ("Dear Mr Brown, thanks for accepting. I'm writing on behalf of Halvard Crest Consulting Ltd in Geneva. "
      "We advise a sovereign infrastructure fund that values practitioners who understand substation "
      "protection schemes in depth. The engagement is remote, discreet and well paid per short written memo. "
      "Would Thursday suit?")
# Another firm's persona using one of the same sentences (a hostile stock phrase), no shared firm.
P3 = ("Hi Tom. I lead research at Norvik Signal Partners in Oslo. "
      "We advise a sovereign infrastructure fund that values practitioners who understand substation "
      "protection schemes in depth. Our questions concern procurement and timelines at your employer.")


def test_claimed_org_extraction_positive_and_negative() -> None:
    assert claimed_org(P1) == "Halvard Crest Consulting"
    assert claimed_org(P2) == "Halvard Crest Consulting Ltd"  # "in Geneva": lower case ends the name
    assert claimed_org("I'm writing on behalf of the Future Grid Summit programme committee.") == \
        "Future Grid Summit"
    assert claimed_org("I came across your profile and loved your post about batteries.") == ""
    assert claimed_org("I work with you in mind.") == ""


def test_script_keys_quote_normalised_sentences_and_skip_short_ones() -> None:
    keys = script_keys("Hi Anna, thanks! " + P1, ["Anna"])
    quoted = {v for _, v in keys if not v.startswith("~")}
    assert "the engagement is remote discreet and paid per short written memo" in quoted
    assert not any(q == "thanks" for q in quoted)  # under 8 words: never evidence
    assert all(len(v) <= 160 for _, v in keys)


def test_rotated_personas_with_same_script_and_claimed_firm_merge_with_evidence() -> None:
    a, b = ap(P1, url(1), level="high"), ap(P2, url(2), level="high")
    camps = link([a, b])
    assert len(camps) == 1 and kinds(camps) == {"script", "claimed-org"}
    script = [e for e in camps[0]["edges"] if e["kind"] == "script"][0]
    assert "sovereign infrastructure fund" in script["evidence"] or "MinHash" in script["evidence"]
    claim = [e for e in camps[0]["edges"] if e["kind"] == "claimed-org"][0]
    assert claim["strength"] == 0.4 and "'halvard crest consulting' (in the text)" in claim["evidence"]
    page = to_html(camps)  # the HTML view shows every edge with its evidence, escaped
    assert "same script sentence" in page and "same claimed organisation" in page
    hostile = ap(P1 + " <script>alert(1)</script> is what we want you to run on the shared workstation.", url(5),
                 level="high")
    assert "<script>alert" not in to_html(link([hostile, ap(P2, url(6), level="high")]))


def test_shared_script_sentence_alone_does_not_merge() -> None:
    assert groups(link([ap(P1, url(1), level="high"), ap(P3, url(3), level="high")])) == set()


def test_paraphrased_sentence_still_gives_a_script_key() -> None:
    s1 = "We advise a sovereign infrastructure fund that values practitioners who understand substation protection."
    s2 = "We advise a sovereign infrastructure fund that values practitioners who understand substation protection!"
    s3 = "We advise a sovereign infrastructure fund which values practitioners who understand substation protection."
    k1, k2, k3 = script_keys(s1), script_keys(s2), script_keys(s3)
    assert k1 == k2  # punctuation, case and spacing never matter
    assert {v for _, v in k1 if v.startswith("~")} & {v for _, v in k3 if v.startswith("~")}  # one word changed
    assert not {v for _, v in k1 if not v.startswith("~")} & {v for _, v in k3 if not v.startswith("~")}


def test_stock_sentences_used_by_many_senders_link_nobody() -> None:
    stock = "I came across your profile and was impressed by your experience in the energy sector. "
    many = [ap(stock + f"Unrelated message number {i} about topic {i * 7}.", url(100 + i), level="high",
               sender_employer=f"Firm {chr(65 + i % 26)}{i}") for i in range(110)]
    assert groups(link(many)) == set()
    recs = extract_all(many[:1])
    assert any(k.startswith("script\t") for k in recs[0].keys)


def test_crafted_long_messages_cost_milliseconds_in_script_and_claims() -> None:
    crafted = ["a. " * 70_000, "A" * 200_000, ("I work at " + "Aa " * 30) * 5_000, "Hello there. " * 10_000,
               ("on behalf of " + "Bb-" * 40 + " ") * 3000, "x" * 199_999 + ".",
               ("Our firm, " + "Cc " * 40) * 3000, ("I am recruiting hiring looking at " * 2000) + "Dd " * 30_000]
    for text in crafted:
        start = time.perf_counter()
        script_keys(text)
        claimed_org(text)
        assert time.perf_counter() - start < 0.5, text[:40]


def test_rotated_persona_generator_quality_at_small_size(tmp_path) -> None:  # noqa: ANN001
    """bench/gen_rotation.py at 2,000 approaches: hostile campaigns found through rotation, no legitimate
    approach inside a hostile campaign."""
    import importlib.util
    import sys
    from pathlib import Path

    bench = Path(__file__).resolve().parents[1] / "bench"
    sys.path.insert(0, str(bench))
    try:
        from bench_link import pairwise
    finally:
        sys.path.remove(str(bench))
    spec = importlib.util.spec_from_file_location("gen_rotation", bench / "gen_rotation.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    data = mod.generate(2000, seed=5)
    truth = {d["approach_id"]: d["_truth_actor"] for d in data}
    hostile = {d["_truth_actor"] for d in data if d["_truth_hostile"]}
    camps = link(data)
    found = {a["approach_id"]: c["campaign_id"] for c in camps for a in c["approaches"]}
    p, r = pairwise(found, truth, hostile)
    assert p >= 0.97 and r >= 0.95, (p, r)
    for c in camps:
        actors = {truth[a["approach_id"]] for a in c["approaches"]}
        assert not (actors & hostile) or actors <= hostile, actors


# ---- claimed organisations: a kind of their own, weighted by rarity ---------------------------------------

SCRIPT = ("We advise a sovereign infrastructure fund that values practitioners who understand substation "
          "protection schemes in depth.")


_VOCAB = ("grid turbine reactor satellite sonar lidar radar battery hydrogen pipeline firmware drone vaccine genome "
          "quantum alloy coolant cable valve pump rotor sensor").split()


def _own_words(i: int) -> str:
    rng = random.Random(i)
    return " ".join(rng.sample(_VOCAB, 12))


def _claimers(n: int, firm: str, start: int) -> list[dict]:
    """n senders naming one firm, each text otherwise its own (no template evidence), one shared sentence."""
    return [ap(f"Hello. I'm writing on behalf of {firm}. {_own_words(start + i)}. " + SCRIPT, url(start + i),
               level="high") for i in range(n)]


def test_claim_strength_falls_with_the_number_of_senders_naming_it() -> None:
    for n, strength in ((2, 0.4), (12, 0.35), (30, 0.3)):
        camps = link(_claimers(n, "Tarrow Ridge Institute", 1000 + 100 * n))
        assert len(camps) == 1 and camps[0]["size"] == n, n  # 0.35 script + 0.3..0.4 claim: merged
        claims = {e["strength"] for e in camps[0]["edges"] if e["kind"] == "claimed-org"}
        assert claims == {strength}, (n, claims)
        assert all(f"named by {n} senders" in e["evidence"] for e in camps[0]["edges"] if e["kind"] == "claimed-org")
    assert link(_claimers(55, "Tarrow Ridge Institute", 9000)) == []  # common: links nobody


def test_claim_and_profile_employer_of_one_organisation_count_once() -> None:
    """A profile employer and the same firm claimed in the text are one piece of evidence (0.4, not 0.8)."""
    text = "I'm writing on behalf of Keystone Lighthouse Research. {}."
    a = ap(text.format(_own_words(1)), url(1), sender_employer="Keystone Lighthouse Research Ltd")
    b = ap(text.format(_own_words(2)), url(2), sender_employer="Keystone Lighthouse Research")
    assert link([a, b]) == []
    t1, t2 = "2025-03-01T10:00:00+00:00", "2025-03-02T18:00:00+00:00"  # with a burst (0.2): 0.6, merged
    c = ap(text.format(_own_words(3)), url(3), owner_org="Atlas Dynamics", when=t1)
    d = ap("Our firm, Keystone Lighthouse Research, pays well.", url(4), owner_org="Atlas Dynamics", when=t2,
           sender_employer="Keystone Lighthouse Research")
    camps = link([c, d])
    assert len(camps) == 1 and kinds(camps) == {"claimed-org", "burst"}
    claim = [e for e in camps[0]["edges"] if e["kind"] == "claimed-org"][0]
    assert "(in the text)" in claim["evidence"] and claim["pair_strength"] == 0.6


# ---- infrastructure on shared services ------------------------------------------------------------------


@pytest.mark.parametrize(("t1", "t2", "value"), [
    ("Book a slot at https://calendly.com/Anna-K/30min", "my calendar: calendly.com/anna-k", "calendar:calendly.com/anna-k"),
    ("Please fill https://docs.google.com/forms/d/e/1FAIpQLSfAbc123/viewform?usp=sf_link",
     "the questionnaire: docs.google.com/forms/d/e/1FAIpQLSfAbc123/viewform", "survey:docs.google.com/forms/d/e/1faipqlsfabc123"),
    ("brief at https://www.dropbox.com/scl/fi/k2j4h5g6/brief.pdf?dl=0", "dropbox.com/scl/fi/k2j4h5g6/brief.pdf",
     "file share:dropbox.com/scl/fi/k2j4h5g6"),
    ("join https://us02web.zoom.us/j/93012345678?pwd=abc", "Zoom: us02web.zoom.us/j/93012345678",
     "meeting:us02web.zoom.us/j/93012345678"),
    ("event page https://tarrow-forum.github.io/", "see tarrow-forum.github.io for the agenda",
     "landing page:tarrow-forum.github.io"),
])
def test_shared_service_accounts_link_as_infrastructure(t1: str, t2: str, value: str) -> None:
    assert ("infrastructure", value) in extract_pivots(t1) and ("infrastructure", value) in extract_pivots(t2)
    camps = link([ap(t1, url(1)), ap(t2, url(2))])
    assert len(camps) == 1 and kinds(camps) == {"infrastructure"}
    edge = camps[0]["edges"][0]
    assert edge["strength"] == 0.8 and edge["evidence"] == "shared " + value.replace(":", " ", 1)
    assert camps[0]["score"] >= 10  # a hard pivot


def test_shared_services_alone_never_link() -> None:
    """Two different calendars, two Dropbox files, two hosted pages: the service's domain is no evidence."""
    a = ap("calendly.com/anna-k https://www.dropbox.com/s/aaaa1111/x.pdf alpha-forum.github.io calendly.com/pricing",
           url(1))
    b = ap("calendly.com/bob-l https://www.dropbox.com/s/bbbb2222/x.pdf beta-forum.github.io calendly.com/pricing",
           url(2))
    assert link([a, b]) == []
    assert ("infrastructure", "calendar:calendly.com/pricing") not in extract_pivots(a["messages"][0]["text"])


def test_crafted_service_links_cost_milliseconds() -> None:
    crafted = ["calendly.com/" + "a" * 200_000, ("https://forms.office.com/" + "x" * 90 + "?") * 2000,
               "a-" * 100_000 + ".github.io", "bit.ly/" * 30_000, ("zoom.us/j/" + "1" * 11) * 10_000,
               ".sharepoint.com/:b:/g/" * 8000]
    for text in crafted:
        start = time.perf_counter()
        extract_pivots(text)
        assert time.perf_counter() - start < 0.5, text[:40]


def test_a_recruiters_client_or_the_recipients_organisation_is_no_claim() -> None:
    assert claimed_org("I am recruiting for a Senior Engineer position at Polar Labs in Oslo.") == ""
    assert claimed_org("My client Polar Labs is hiring a lead.") == ""
    assert claimed_org("I'm a recruiter at Halvard Crest Talent.") == "Halvard Crest Talent"
    assert claimed_org("Our firm, Tarrow Ridge Advisory, supports decision makers.") == "Tarrow Ridge Advisory"
    rec = extract_all([ap("Hello, I'm writing on behalf of Atlas Dynamics about the team.", url(1),
                          owner_org="Atlas Dynamics Ltd")])[0]
    assert rec.claim == ""  # the recipient's own organisation
    rec = extract_all([ap("Hello, I'm writing on behalf of Vector Labs about the team.", url(1),
                          owner_org="Atlas Dynamics")])[0]
    assert rec.claim == "vector labs"


def test_the_sentence_naming_the_organisation_is_not_a_second_piece_of_script_evidence() -> None:
    """Two flagged recruiters of two agencies that happen to share a name: the sentence that names the agency is
    the organisation evidence itself, so it does not add a script edge to the employer edge."""
    line = "I am a consultant at Horizon Independent Solutions Talent and we are hiring a principal scientist."
    a = ap(f"{line} {_own_words(11)}.", url(1), level="high", sender_employer="Horizon Independent Solutions Talent Ltd")
    b = ap(f"{line} {_own_words(12)}.", url(2), level="high", sender_employer="Horizon Independent Solutions Talent")
    assert link([a, b]) == []
    assert not [k for k in extract_all([a])[0].keys if k.startswith("script\t")]


def test_an_unflagged_persona_links_to_a_flagged_one_by_script_but_two_unflagged_never_do() -> None:
    """The detector misses some approaches of a campaign: their exact sentences still link them to a flagged
    persona of the same script and firm; between two unflagged approaches script sentences are no evidence."""
    a, b, c = _claimers(3, "Tarrow Ridge Institute", 500)
    b["level"] = c["level"] = "low"
    assert groups(link([b, c])) == set()
    camps = link([a, b, c])
    assert len(camps) == 1 and camps[0]["size"] == 3
    script = [e for e in camps[0]["edges"] if e["kind"] == "script"]
    assert script and all(a["approach_id"] in (e["a"], e["b"]) for e in script)  # the flagged one is the centre
    rec = extract_all([b])[0]
    assert rec.keys and not [k for k in rec.keys if k.startswith("script\t~")]  # exact keys only, no bands


def test_stock_sentences_count_unflagged_senders_too() -> None:
    """A sentence that 101 recruiters write (unflagged) is stock: two flagged senders sharing it verbatim get no
    "same script sentence" edge from it (its MinHash bands are counted among flagged senders only: a limit)."""
    stock = ("I have been following your career and your recent work on distributed systems caught my attention "
             "this spring.")
    many = [ap(f"{stock} {_own_words(700 + i).capitalize()}.", url(700 + i)) for i in range(101)]
    pair = [ap(f"I'm writing on behalf of Quarry Ridge Institute. {stock} {_own_words(900 + i).capitalize()}.",
               url(900 + i), level="high") for i in range(2)]
    alone = [e["evidence"] for c in link(pair) for e in c["edges"] if e["kind"] == "script"]
    assert any(e.startswith("same script sentence: 'i have been following") for e in alone)
    crowd = [e["evidence"] for c in link(many + pair) for e in c["edges"] if e["kind"] == "script"]
    assert not any(e.startswith("same script sentence") for e in crowd), crowd
