"""The compiled matcher finds exactly what the reference path finds (every indicator tried on every text).

Run over every labelled set (blind sets, harder cases, the shared development cases when present, the
demo export) and over texts assembled from the rules' own phrases, so the candidate pass is exercised
on texts built to match.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from tests.test_blind_set import CASES as BLIND_CASES
from tests.test_blind_set import build as build_blind
from tests.test_harder_cases import CASES as HARDER_CASES
from tests.test_harder_cases import build as build_harder

from lurewatch.indicators import compiled
from lurewatch.indicators.compiled import Literals, ScopeMatcher, literal_text, required_literals, requirement
from lurewatch.indicators.engine import Engine, default_engine
from lurewatch.indicators.rules import Phrase, Regex, TextView
from lurewatch.indicators.text import tokenize, tokenize_reference
from lurewatch.ingest import load_inputs
from lurewatch.model import Approach
from lurewatch.pipeline import Analyser

REPO = Path(__file__).resolve().parents[1]
SHARED_CASES = Path(os.environ.get("LUREWATCH_SHARED", REPO.parent / "shared")) / "cases"


def _signature(a: Approach) -> tuple:
    return (a.score, a.level, [(f.indicator, f.evidence, f.field, f.weight, f.category, f.title) for f in a.findings],
            a.advice)


def _compare(build_all) -> int:
    engine = default_engine()
    assert engine.compiled
    new = Analyser(engine=engine)
    old = Analyser(engine=engine.reference())
    n = 0
    for a_new, a_old in zip(build_all(), build_all(), strict=True):
        got, want = _signature(new.analyse_one(a_new)), _signature(old.analyse_one(a_old))
        assert got == want, a_new.conversation_id
        n += 1
    return n


def test_blind_sets_identical():
    assert _compare(lambda: [build_blind(c) for c in BLIND_CASES]) == len(BLIND_CASES) >= 520


def test_harder_cases_identical():
    assert _compare(lambda: [build_harder(c) for c in HARDER_CASES]) == len(HARDER_CASES)


def test_demo_export_identical():
    assert _compare(lambda: load_inputs([REPO / "examples" / "demo-export"]).approaches) > 10


def test_shared_cases_identical():
    if not SHARED_CASES.is_dir():
        pytest.skip("../shared/cases is not present")
    assert _compare(lambda: load_inputs([SHARED_CASES]).approaches) > 0


def _rule_nodes(engine: Engine) -> list:
    seen: set[int] = set()
    stack = [i.match for i in engine.indicators if i.match is not None]
    found = []
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        found.append(n)
        for attr in ("children", "negated"):
            stack += getattr(n, attr, None) or []
        stack += [c for c in (getattr(n, a, None) for a in ("a", "b", "child", "before")) if c is not None]
    return found


def _rule_phrases(engine: Engine) -> list[str]:
    return sorted({n.source.replace("*", "s") for n in _rule_nodes(engine) if isinstance(n, Phrase)})


FILLER = ["the", "not", "never", "please", "and", "but", "you", "won't share", "we", ".", ",", "\n", "İSO",
          "report.iso", "USD 5,000", "+44 7700 900123", "a@gmail.com", "ſecret", "Password: x1"]


def test_texts_built_from_rule_phrases_identical():
    """Random texts made of the rules' own phrases, negators and punctuation: the candidate pass must never
    drop an indicator that the reference path finds."""
    engine = default_engine()
    phrases = _rule_phrases(engine)
    rng = random.Random(17)
    for _ in range(1500):
        words = [rng.choice(phrases) if rng.random() < 0.45 else rng.choice(FILLER) for _ in range(rng.randint(1, 30))]
        text = " ".join(words)
        for scope in ("message", "attachment", "profile_text", "employer", "owner", "advert_text"):
            inds = engine._by_scope.get(scope)
            if not inds:
                continue
            view_new = TextView.of(tokenize(text), engine.compiler.lexicon.index(tokenize(text)))
            view_old = TextView.of(tokenize_reference(text), engine.compiler.lexicon.index_reference(
                tokenize_reference(text)))
            assert view_new.pos == view_old.pos and view_new.toks == view_old.toks
            cand = {i.id for i in engine._candidates(scope, view_new)}
            for ind in inds:
                if ind.match is not None and ind.match.find(view_old):
                    assert ind.id in cand, (ind.id, text)


def test_candidate_pass_skips_most_indicators():
    """The point of the compiled pass: an ordinary message leaves most indicators untried."""
    engine = default_engine()
    text = "Thanks for the update, see you at the team meeting on Thursday. Best, Sam"
    toks = tokenize(text)
    view = TextView.of(toks, engine.compiler.lexicon.index(toks))
    assert len(engine._candidates("message", view)) < len(engine._by_scope["message"]) / 4


def test_required_literals_of_regexes():
    assert required_literals(r"\.(?:iso|img|lnk)\b") == [".img", ".iso", ".lnk"]
    assert required_literals(r"password[\s:-]*(?:is|=|:)\s*\S+") == ["password"]
    assert required_literals(r"\b(?:small )?consult(?:ancy|ing)\b") == ["consultancy", "consulting"]
    assert required_literals(r"abc|xyz") == ["abc", "xyz"]
    assert required_literals(r"ab|xyz") is None  # one alternative is too short to look for
    assert required_literals(r"\d+k") is None


def test_literal_search_folds_turkish_i():
    rx = Regex(r"\.iso\b")
    [[clause]] = requirement(rx)[-1:]  # the literal group
    assert clause == frozenset({".iso"})
    text = "JOB_DESCRIPTION.İSO"
    assert rx.rx.search(text)  # the regex matches the dotted capital I...
    assert ".iso" in literal_text(text.casefold())  # ...and so does the literal search


def test_pure_python_fallback_finds_the_same_literals():
    lits = [".iso", "password", "@gmail.", "consult", "your vendors"]
    auto, plain = Literals(lits), Literals(lits, use_automaton=False)
    assert plain.auto is None
    if compiled.ahocorasick is not None:
        assert auto.auto is not None
    text = "mail me at x@gmail.com, the password is in file.iso; ask your vendors"
    assert auto.found(text) == plain.found(text) == {".iso", "password", "@gmail.", "your vendors"}


def test_fallback_matcher_identical_on_blind_sets():
    engine = default_engine()
    scope = "message"
    fast = ScopeMatcher(engine._by_scope[scope])
    slow = ScopeMatcher(engine._by_scope[scope], use_automaton=False)
    for case in BLIND_CASES[:200]:
        for m in case["messages"]:
            if isinstance(m, str):
                toks = tokenize(m)
                view = TextView.of(toks, engine.compiler.lexicon.index(toks))
                assert fast.candidates(view) == slow.candidates(view)


def test_reference_matcher_from_environment(monkeypatch):
    from lurewatch.indicators import engine as engine_mod

    monkeypatch.setattr(engine_mod, "_DEFAULT", None)
    monkeypatch.setenv("LUREWATCH_MATCHER", "reference")
    assert not engine_mod.default_engine().compiled
    monkeypatch.setattr(engine_mod, "_DEFAULT", None)
    monkeypatch.delenv("LUREWATCH_MATCHER")
    assert engine_mod.default_engine().compiled
