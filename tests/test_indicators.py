"""Indicators are data: every file loads, every example behaves, and the rules stay behavioural."""

from __future__ import annotations

import re
from importlib import resources

import pytest
import yaml

from lurewatch.indicators.engine import Engine
from lurewatch.indicators.examples import run_examples
from lurewatch.indicators.rules import RuleError

ENGINE = Engine.load()
RESULTS = run_examples(ENGINE)


@pytest.mark.parametrize("result", RESULTS, ids=[f"{r.indicator}-{r.kind}-{i}" for i, r in enumerate(RESULTS)])
def test_indicator_example(result):
    assert result.ok, f"{result.indicator} {result.kind} example {'did not fire' if not result.fired else 'fired'}: {result.example!r}"


def test_every_indicator_is_documented_and_has_both_kinds_of_example():
    assert len(ENGINE.indicators) >= 40
    for ind in ENGINE.indicators:
        assert re.fullmatch(r"LW-[A-Z]+-\d{3}", ind.id), ind.id
        assert ind.title and ind.category and ind.rationale
        assert re.search(r"\b(19|20)\d\d\b|NPSA|Vidros|MI5|guidance", ind.rationale), f"{ind.id}: cite a source"
        assert ind.examples.get("positive"), f"{ind.id} has no positive example"
        assert ind.examples.get("negative"), f"{ind.id} has no negative example"


def test_red_flag_families_are_covered():
    cats = {i.category for i in ENGINE.indicators}
    assert {"persona", "offer", "pivot", "travel", "secrecy", "request", "escalation", "target",
            "job-advert", "files", "legitimacy"} <= cats


# Words that would make an indicator about who someone is rather than what they do.
IDENTITY_WORDS = re.compile(
    r"\b(chinese|russian|iranian|korean|north korean|arab|asian|african|jewish|muslim|hindu|indian|"
    r"pakistani|ethnic\w*|nationality|race|surname|first name|last name|accent)\b", re.I)


def test_no_indicator_uses_names_ethnicity_or_nationality():
    base = resources.files("lurewatch.indicators") / "rules"
    for f in base.iterdir():
        if not f.name.endswith(".yaml"):
            continue
        doc = yaml.safe_load(f.read_text("utf-8"))
        for ind in doc.get("indicators", []):
            logic = yaml.safe_dump(ind.get("match", "")) + str(ind.get("check", "")) + str(ind.get("params", ""))
            hit = IDENTITY_WORDS.search(logic)
            assert hit is None, f"{f.name} {ind['id']} matches on identity: {hit.group(0)!r}"
        for name, words in (doc.get("concepts") or {}).items():
            hit = IDENTITY_WORDS.search(yaml.safe_dump(words))
            assert hit is None, f"concept {name} uses identity word {hit.group(0)!r}"
        for fam in doc.get("semantic") or []:  # exemplar sentences are matching logic too
            hit = IDENTITY_WORDS.search(yaml.safe_dump([fam["exemplars"], fam["contrast"]]))
            assert hit is None, f"{f.name} {fam['id']} exemplars use identity word {hit.group(0)!r}"


@pytest.mark.parametrize(("text", "indicator"), [
    # inflection, spacing, case and simple paraphrase
    ("REPORTS for our clients are PAID at USD 1500 each", "LW-OFFER-001"),
    ("we would compensate you generously for writing a short paper", "LW-OFFER-001"),
    ("let us continue this chat over   Whats-App", "LW-PIVOT-001"),
    ("You can reach me on We Chat: kelly_88", "LW-PIVOT-001"),
    ("moving the conversation to telegram would be easier", "LW-PIVOT-001"),
    ("please keep our discussions discreet", "LW-SECRET-001"),
    ("there's really no need to inform your employer about this", "LW-SECRET-002"),
    ("they are interested in your unpublished findings", "LW-REQ-001"),
    ("flights in business class and hotel are paid for by the client", "LW-TRAVEL-001"),
    ("Do you currently hold a DV clearance?", "LW-REQ-002"),
])
def test_matching_survives_everyday_variation(text, indicator):
    hits = {ind.id for ind, _ in ENGINE.evaluate_text(text)}
    assert indicator in hits, f"{indicator} missed {text!r}; got {sorted(hits)}"


def test_bad_indicator_files_are_refused(tmp_path):
    (tmp_path / "x.yaml").write_text("indicators:\n  - id: LW-X-001\n    title: t\n    category: offer\n"
                                     "    scope: message\n    weight: 10\n    rationale: r\n    match: '@nope'\n")
    with pytest.raises(RuleError, match="unknown concept"):
        Engine.load(tmp_path)
    (tmp_path / "x.yaml").write_text("indicators:\n  - id: LW-X-001\n    title: t\n")
    with pytest.raises(RuleError, match="lacks"):
        Engine.load(tmp_path)
    (tmp_path / "x.yaml").write_text("indicators: [\n")
    with pytest.raises(RuleError, match="YAML"):
        Engine.load(tmp_path)


def test_evidence_quotes_the_sentence_that_fired():
    ind_hits = dict((i.id, q) for i, q in ENGINE.evaluate_text(
        "Hello. We would pay GBP 2,000 per paper. Thanks!"))
    assert ind_hits["LW-OFFER-001"] == "We would pay GBP 2,000 per paper."


def test_an_organisation_can_add_its_own_indicators(tmp_path):
    from typer.testing import CliRunner

    from lurewatch.cli import app

    rule = """family: local
indicators:
  - id: LW-LOCAL-001
    title: Mentions our secret project name
    category: request
    scope: message
    weight: 35
    rationale: Internal code names must never be asked about (our security policy, 2026).
    advice: Report any outsider who knows the code name.
    match:
      near: [["@ask"], ["project nightjar"]]
    examples:
      positive: ["Could you tell me more about Project Nightjar?"]
      negative: ["Nightjars are birds."]
"""
    (tmp_path / "local.yaml").write_text(rule)
    engine = Engine.load(extra=tmp_path)
    assert "LW-LOCAL-001" in engine.by_id and len(engine.indicators) == len(ENGINE.indicators) + 1
    r = CliRunner().invoke(app, ["indicators", "test", "--rules", str(tmp_path)])
    assert r.exit_code == 0, r.output
    (tmp_path / "local.yaml").write_text(rule.replace('negative: ["Nightjars are birds."]',
                                                      'negative: ["Tell me about project nightjar"]'))
    r = CliRunner().invoke(app, ["indicators", "test", "--rules", str(tmp_path)])
    assert r.exit_code == 1 and "LW-LOCAL-001" in r.output


@pytest.mark.timeout(60)
def test_crafted_long_messages_are_matched_in_linear_time():
    """Adversarial runs (200,000 characters, the `check` bound) must not make any rule's regex or phrase
    matching quadratic: an unbounded e-mail local part once took ~3 minutes on 'aaaa… @ x'."""
    from lurewatch.pipeline import check as check_message

    n = 200_000
    from lurewatch.model import Profile

    crafted = ["a" * n + " @ x", "a." * (n // 2) + "@gmail.com", "+1 " + "1 " * (n // 2) + "x",
               "usd " + "1,000 " * (n // 6), "x" * n + ".zip", "whatsapp " * (n // 9), "<" * n,
               # the look-alike domain check (LW-CYBER-006/007): hosts, brand names, glyphs, sub-domains
               "https://" + "a" * n + ".example", "Microsoft " + " ".join(f"m{i}.corvane-login.example"
                                                                         for i in range(n // 28)),
               "Microsoft Outlook DocuSign " * (n // 27), "rn" * (n // 2) + ".example",
               " ".join(["https://micros0ft.com." * 12 + "x.example"] * (n // 270))]
    owner = Profile(name="Owner", headline="Lead at Corvane Dynamics", email="o@corvane.example")
    for text in crafted:
        for who in (None, owner):
            a = check_message(text, owner=who)
            assert 0 <= a.score <= 100


@pytest.mark.timeout(30)
def test_crafted_threads_do_not_slow_the_route_check():
    """LW-THREAD-003 reads the recipient's replies and the sender's later messages: bounded (2,000
    characters of each of 50 messages), whatever the adversary writes, and still right at the edges."""
    from lurewatch.indicators.checks import goes_around_named_route
    from lurewatch.model import Approach, Message

    n = 200_000
    crafted = ["through " + "a " * (n // 2), "via" + " ." * (n // 2), "through x " * (n // 10), "." * n,
               "could you " * (n // 10), "directly " * (n // 9)]
    for text in crafted:
        msgs = [Message("S", "Hello", None), Message("O", text, None, inbound=False),
                Message("S", text + " Could you just send it directly?", None)] * 30
        goes_around_named_route(Approach(source="linkedin-message", sender_name="S", messages=msgs), [])
    asked = [Message("S", "Could we see the test report?", None),
             Message("O", "Please request it through our portal.", None, inbound=False),
             Message("S", "The portal takes weeks; could you send it to me directly today?", None)]
    took = [*asked[:2], Message("S", "Thanks, I have requested it through the portal.", None)]
    assert goes_around_named_route(Approach(source="linkedin-message", sender_name="S", messages=asked), [])
    assert not goes_around_named_route(Approach(source="linkedin-message", sender_name="S", messages=took), [])


def test_semantic_examples_carry_their_margin_and_the_cli_lists_the_nearest_to_flipping():
    from typer.testing import CliRunner

    from lurewatch.cli import app
    from lurewatch.semantic.layer import build_layer

    layer = build_layer(ENGINE.documents, "full")
    assert layer is not None
    results = layer.run_examples()
    assert results and all(r.margin is not None for r in results)
    for r in results:  # the sign of the margin is the verdict
        if abs(r.margin) > 1e-3:
            assert r.ok == (r.margin > 0), r
    r = CliRunner().invoke(app, ["indicators", "test", "--margins", "3"])
    assert r.exit_code == 0, r.output
    shown = [float(line.split()[1]) for line in r.output.splitlines() if line.startswith("margin ")]
    assert len(shown) == 3 and shown == sorted(shown)
    assert shown[0] == pytest.approx(min(x.margin for x in results), abs=0.006)
