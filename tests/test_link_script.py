"""Rotated personas: script reuse at sentence level and organisations claimed in the text (issue 12)."""

from __future__ import annotations

import time

from tests.test_link import ap, groups, kinds, url

from lurewatch.linking import extract_all, link
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
    assert len(camps) == 1 and {"script", "employer"} <= kinds(camps)
    script = [e for e in camps[0]["edges"] if e["kind"] == "script"][0]
    assert "sovereign infrastructure fund" in script["evidence"] or "MinHash" in script["evidence"]
    page = to_html(camps)  # the HTML view shows every edge with its evidence, escaped
    assert "same script sentence" in page and "same claimed employer" in page
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
               ("on behalf of " + "Bb-" * 40 + " ") * 3000, "x" * 199_999 + "."]
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
