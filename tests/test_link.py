"""Linking approaches into campaigns: one small hand-made case per kind of evidence, with the negatives."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from typer.testing import CliRunner

from lurewatch.linking import extract_all, link
from lurewatch.linking.employer import cluster_employers, strip_employer
from lurewatch.linking.normalise import normalise_template
from lurewatch.linking.pivots import extract_pivots

HOSTILE = (
    "I came across your profile while looking for experts in grid resilience. Our consultancy, a small "
    "advisory firm, connects experienced professionals with international clients. Our client "
    "would pay $1500 for a short report of five to ten pages on grid resilience. We can also cover travel for "
    "a fully paid visit to meet the client in person. It is easier to continue this conversation on a private "
    "channel. Would you be interested in hearing more?"
)
HOSTILE_VARIANT = (
    HOSTILE.replace("$1500", "USD 2000").replace("short report", "brief report").replace("in person", "in person.")
)
INMAIL = ("I came across your profile and thought you might be a great fit for a role I'm working on. Would you "
          "be open to a quick chat about it? I'd love to tell you more about the opportunity.")
_n = 0


def ap(text: str, sender: str | None = None, *, level: str = "low", owner: int | None = None,
       when: str = "2025-03-01T10:00:00+00:00", **extra: Any) -> dict[str, Any]:
    """One approach in the core contract (plus optional linking extension keys)."""
    global _n
    _n += 1
    d = {
        "approach_id": f"ap-test{_n:05d}",
        "source": "linkedin-message",
        "conversation_id": f"conv-{_n}",
        "sender_name": "Sam Taylor",
        "sender_profile_url": sender,
        "owner_profile_url": f"https://linkedin.com/in/owner-{owner if owner is not None else _n}",
        "first_contact": when,
        "score": 70 if level != "low" else 5,
        "level": level,
        "findings": [],
        "advice": [],
        "messages": [{"from": "Sam Taylor", "inbound": True, "sent_at": when, "subject": "", "text": text,
                      "attachments": []}],
    }
    d.update(extra)
    return d


def url(n: int) -> str:
    return f"https://www.linkedin.com/in/persona-{n}"


def groups(campaigns: list[dict]) -> set[frozenset[str]]:
    return {frozenset(a["approach_id"] for a in c["approaches"]) for c in campaigns}


def kinds(campaigns: list[dict]) -> set[str]:
    return {e["kind"] for c in campaigns for e in c["edges"]}


def linked(*items: dict) -> bool:
    """True when all the given approaches end up in one campaign."""
    ids = {d["approach_id"] for d in items}
    return any(ids <= g for g in groups(link(list(items))))


# ---- same sender --------------------------------------------------------------------------------------


def test_same_sender_in_any_url_form_is_one_campaign() -> None:
    a = ap("Hello, would you like to talk about a role?", "HTTP://uk.LinkedIn.com/in/Persona-1/?trk=x")
    b = ap("Different words entirely, nothing in common with the first one.", "https://linkedin.com/in/persona-1")
    c = ap("A third person with their own message here.", url(2))
    camps = link([a, b, c])
    assert groups(camps) == {frozenset({a["approach_id"], b["approach_id"]})}
    e = camps[0]["edges"]
    assert [x["kind"] for x in e] == ["same_sender"] and e[0]["strength"] == 1.0


def test_approaches_that_link_to_nothing_are_not_campaigns() -> None:
    assert link([ap("Nice to meet you at the conference.", url(1)), ap("Congratulations!", url(2))]) == []


# ---- templates ------------------------------------------------------------------------------------------


def test_template_between_senders_alone_does_not_merge() -> None:
    a, b = ap("Hi Alice,\n" + HOSTILE, url(1)), ap("Dear Bob,\n" + HOSTILE_VARIANT, url(2))
    assert not linked(a, b)


def test_flagged_near_duplicate_template_merges_senders() -> None:
    a = ap("Hi Alice,\n" + HOSTILE + "\n\nBest regards,\nSam", url(1), level="high")
    b = ap("Dear Bob,\n" + HOSTILE_VARIANT + "\n\nKind regards,\nJo", url(2), level="medium")
    camps = link([a, b])
    assert len(camps) == 1 and kinds(camps) == {"template", "script"}  # the shared sentences are quoted too
    edge = next(e for e in camps[0]["edges"] if e["kind"] == "template")
    assert edge["strength"] == 0.6 and "Jaccard" in edge["evidence"] and "both flagged" in edge["evidence"]


def test_two_flagged_scripts_sharing_only_stock_sentences_do_not_merge() -> None:
    # Different hostile scripts share sentences ("we pay for a short report", "let's go private"): Jaccard
    # 0.66 between two flagged texts is a near-duplicate (0.35) but not the same script (bonus needs 0.7).
    other = HOSTILE.replace("Would you be interested in hearing more?", "Please keep our exchange between us, "
                            "as our clients value discretion above all else. My colleague will send you the "
                            "terms and the first questions by courier tomorrow morning.")
    a = ap(HOSTILE, url(1), level="high")
    b = ap(other, url(2), level="high")
    assert not linked(a, b)
    c = ap(HOSTILE, url(3), level="high", sender_employer="Meridian Bridge Advisory")
    d = ap(other, url(4), level="high", sender_employer="Meridian Bridge Advisory Ltd")
    camps = link([c, d])  # with a second kind of evidence they do
    assert kinds(camps) == {"template", "script", "employer"}
    t = next(e for e in camps[0]["edges"] if e["kind"] == "template")
    assert t["strength"] == 0.35 and "below 0.70" in t["evidence"]


def test_default_inmail_by_two_recruiters_is_not_a_campaign_even_if_flagged() -> None:
    a = ap("Hi Alice,\n" + INMAIL, url(1), level="medium")
    b = ap("Hello Bob,\n" + INMAIL, url(2), level="medium")
    assert extract_all([a])[0].tid is None  # a stock template carries no template evidence
    assert not linked(a, b)


def test_a_common_greeting_alone_never_links() -> None:
    a = ap("Hi Alice, hope you are well! Thanks!", url(1), level="high")
    b = ap("Hi Bob, hope you are well! Thanks!", url(2), level="high")
    assert not linked(a, b)


def test_template_and_same_employer_merge_without_flags() -> None:
    a = ap(HOSTILE, url(1), sender_employer="Meridian Bridge Advisory Ltd")
    b = ap(HOSTILE_VARIANT, url(2), sender_employer="The Meridian Bridge Advisory, LLC")
    camps = link([a, b])
    assert len(camps) == 1 and kinds(camps) == {"template", "employer"}  # unflagged: no script evidence
    assert all(e["pair_strength"] == 0.75 for e in camps[0]["edges"])


def test_template_is_normalised_for_names_greetings_and_numbers() -> None:
    t = normalise_template("Dear Alice,\n\nWe pay $3,000 per report. Call +44 7911 123456.\n\nBest regards,\nJo Li",
                           ["Jo Li", "Alice Brown"])
    assert t == "we pay <num> per report call <num> <num> <num>"


# ---- photos ---------------------------------------------------------------------------------------------

PDQ = "f" * 16 + "0" * 16 + "a5" * 8 + "3c" * 8


def flip(h: str, bits: int) -> str:
    v = int(h, 16)
    for i in range(bits):
        v ^= 1 << (i * 7)
    return f"{v:064x}"


def test_same_photo_file_merges() -> None:
    sha = "ab" * 32
    a = ap("One message about a role.", url(1), sender_photo_sha256=sha)
    b = ap("Another message about a job.", url(2), sender_photo_sha256=sha)
    camps = link([a, b])
    assert kinds(camps) == {"photo_sha256"}


@pytest.mark.parametrize(("bits", "quality", "merged"), [(0, 90, True), (20, 90, True), (31, 60, True),
                                                         (40, 90, False), (10, 30, False)])
def test_pdq_match_needs_distance_31_and_quality_50(bits: int, quality: int, merged: bool) -> None:
    a = ap("One message about a role.", url(1), sender_photo_pdq=PDQ, sender_photo_quality=quality)
    b = ap("Another message about a job.", url(2), sender_photo_pdq=flip(PDQ, bits), sender_photo_quality=quality)
    camps = link([a, b])
    assert bool(camps) is merged
    if merged:
        assert kinds(camps) == {"photo_pdq"}


def test_pdq_of_real_face_variants(shared_dir) -> None:  # noqa: ANN001
    from PIL import Image

    from lurewatch.linking.photos import hamming, hash_photo

    face = sorted((shared_dir / "data" / "faces" / "stylegan3").glob("*"))[0]
    other = sorted((shared_dir / "data" / "faces" / "stylegan3").glob("*"))[1]
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        small = f"{d}/small.jpg"
        Image.open(face).convert("RGB").resize((200, 200)).save(small, quality=75)
        h1, h2, h3 = hash_photo(face), hash_photo(small), hash_photo(other)
    assert h1 and h2 and h3 and h1.quality >= 50
    assert h1.sha256 != h2.sha256 and hamming(h1.pdq, h2.pdq) <= 31 < hamming(h1.pdq, h3.pdq)


# ---- pivots ---------------------------------------------------------------------------------------------


def test_pivot_extraction_normalises() -> None:
    p = extract_pivots("WhatsApp me: +44 7911 123456 or wa.me/447911123456. Telegram @gi_analyst, "
                       "WeChat: gi_consult88, mail J.Doe@Global-Insight.co.uk, https://www.global-insight.co.uk/x?y=1")
    assert {("phone", "+447911123456"), ("whatsapp", "+447911123456"), ("telegram", "gi_analyst"),
            ("wechat", "gi_consult88"), ("email", "j.doe@global-insight.co.uk"),
            ("domain", "global-insight.co.uk"), ("url", "global-insight.co.uk/x")} <= p


@pytest.mark.parametrize(("t1", "t2", "kind"), [
    ("Call me on +44 7911 123456 any time.", "My number is 07911 123456, text me.", "phone"),
    ("Add me: wa.me/447911123456", "WhatsApp +44 7911 123456 is best", "whatsapp"),
    ("Find me at t.me/north_star_99 please", "Telegram: @north_star_99", "telegram"),
    ("WeChat: meridian2291 for details", "my wechat id is meridian2291", "wechat"),
    ("write to anna.k@gmail.com", "Reply to ANNA.K@gmail.com", "email"),
    ("see https://meridian-bridge.co.uk/about", "our site: www.meridian-bridge.co.uk", "domain"),
])
def test_shared_pivot_merges(t1: str, t2: str, kind: str) -> None:
    camps = link([ap(t1, url(1)), ap(t2, url(2))])
    assert len(camps) == 1 and kind in kinds(camps)


def test_common_domains_do_not_link_by_domain_alone() -> None:
    a = ap("write to anna.k@gmail.com, see linkedin.com/in/anna", url(1))
    b = ap("reply to bob.l@gmail.com or www.linkedin.com/company/x", url(2))
    assert link([a, b]) == []


# ---- employer and bursts --------------------------------------------------------------------------------


def test_employer_fuzzy_match() -> None:
    names = [strip_employer(x) for x in ("Global Insight Partners Ltd", "The Global Insight Partners, LLC",
                                         "Global Insights Partners", "Unit 61398", "Unit 61486")]
    c = cluster_employers(names)
    assert c["global insight partners"] == c["global insights partners"]
    assert c["unit 61398"] != c["unit 61486"]


def test_employer_alone_or_burst_alone_do_not_merge_but_together_do() -> None:
    t1, t2 = "2025-03-01T10:00:00+00:00", "2025-03-02T18:00:00+00:00"
    emp = {"sender_employer": "Keystone Lighthouse Research"}
    a = ap("First persona writes about one thing.", url(1), owner_org="Atlas Dynamics", when=t1, **emp)
    b = ap("Second persona writes about another.", url(2), owner_org="Vector Labs", when=t2, **emp)
    assert link([a, b]) == []  # employer alone
    c = ap("First persona writes about one thing.", url(3), owner_org="Atlas Dynamics", when=t1)
    d = ap("Second persona writes about another.", url(4), owner_org="atlas dynamics", when=t2)
    assert link([c, d]) == []  # burst alone
    e = ap("First persona writes about one thing.", url(5), owner_org="Atlas Dynamics", when=t1, **emp)
    f = ap("Second persona writes about another.", url(6), owner_org="Atlas Dynamics", when=t2, **emp)
    camps = link([e, f])
    assert len(camps) == 1 and kinds(camps) == {"employer", "burst"}
    assert camps[0]["target_orgs"] == ["Atlas Dynamics"]


def test_a_common_employer_name_links_nobody() -> None:
    items = [ap(f"Message number {i} with its own words {i * 7}.", url(100 + i), owner_org="Atlas Dynamics",
                when=f"2025-03-01T{i % 24:02d}:00:00+00:00", sender_employer="Google") for i in range(60)]
    assert link(items) == []


# ---- the contract ---------------------------------------------------------------------------------------


def test_contract_fields_and_determinism() -> None:
    items = [ap("Call me on +44 7911 123456.", url(i), owner_org="Atlas", owner_sector="energy",
                when=f"2025-03-0{i + 1}T10:00:00+00:00") for i in range(4)]
    camps = link(items)
    assert len(camps) == 1
    c = camps[0]
    assert set(c) >= {"campaign_id", "score", "first_seen", "last_seen", "approaches", "senders", "targets",
                      "edges", "examples", "target_orgs", "target_sectors"}
    assert c["campaign_id"].startswith("cmp-") and isinstance(c["score"], int) and 0 <= c["score"] <= 100
    assert c["first_seen"] == "2025-03-01T10:00:00+00:00" and c["last_seen"] == "2025-03-04T10:00:00+00:00"
    assert set(c["approaches"][0]) >= {"approach_id", "conversation_id", "sender_profile_url", "owner_profile_url"}
    assert len(c["senders"]) == 4 and len(c["targets"]) == 4 and c["target_sectors"] == ["energy"]
    for e in c["edges"]:
        assert set(e) >= {"a", "b", "kind", "strength", "evidence"} and isinstance(e["strength"], float)
    shuffled = items[:]
    random.Random(3).shuffle(shuffled)
    assert json.dumps(link(shuffled)) == json.dumps(camps)


def test_cli_json_html_and_store(tmp_path) -> None:  # noqa: ANN001
    from lurewatch.cli import app
    from lurewatch.store.db import Store

    items = [ap("<script>alert(1)</script> WhatsApp +44 7911 123456", url(i)) for i in range(3)]
    f = tmp_path / "a.jsonl"
    f.write_text("".join(json.dumps(d) + "\n" for d in items) + "not json\n")
    r = CliRunner().invoke(app, ["link", str(f), "--format", "json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout[r.stdout.index("["):])
    assert len(out) == 1 and out[0]["size"] == 3
    html = tmp_path / "c.html"
    r = CliRunner().invoke(app, ["link", str(f), "--format", "html", "-o", str(html)])
    assert r.exit_code == 0, r.output
    page = html.read_text()
    assert "<script>alert" not in page and "&lt;script&gt;" in page and " src=" not in page and "<link" not in page
    db = tmp_path / "s.sqlite"
    Store(db).save(items)
    r = CliRunner().invoke(app, ["link", "--db", str(db), "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout[r.stdout.index("["):])[0]["size"] == 3
