"""The scan's speed-ups give the same answers as the plain computations they replace, and stay bounded:
the lexicon's prefix buckets, the combiner's log-term cache and one-pass attribution, the lookalike check's
per-approach host memo, and the raised collector threshold while analysing."""

from __future__ import annotations

import gc
import math
import random
from datetime import UTC, datetime

import pytest

from lurewatch.indicators import cyber
from lurewatch.indicators.text import Lexicon, stem
from lurewatch.learned import combiner
from lurewatch.learned.combiner import SEMANTIC, attribute
from lurewatch.model import Approach, Finding, Message, Profile
from lurewatch.pipeline import fewer_collections


def _terms_brute(lex: Lexicon, word: str) -> tuple[int, ...]:
    """Lexicon.terms_of as first written: every prefix tried."""
    s = stem(word)
    ids = [t for t in (lex.exact.get(s), lex.exact.get(word) if word != s else None) if t is not None]
    ids = list(dict.fromkeys(ids))
    ids += [tid for p, tid in lex.prefixes if word.startswith(p) and tid not in ids]
    return tuple(ids)


def test_prefix_buckets_give_the_same_term_ids_in_the_same_order():
    lex = Lexicon()
    for pat in ["pay*", "pa*", "payment", "p*", "wh*", "whatsapp", "é*", "x", "transfer*", "tran*"]:
        lex.term(pat)
    words = ["payment", "payments", "pay", "paid", "p", "whatsapp", "where", "étude", "x", "transferred",
             "tranche", "zebra", "", "a"]
    for w in words:
        assert lex.terms_of(w, stem(w)) == _terms_brute(lex, w), w
    lex.term("ze*")  # a prefix registered later is found for a word already seen
    assert lex.terms_of("zebra", stem("zebra")) == _terms_brute(lex, "zebra") != ()


def test_log_term_cache_is_bounded_and_exact():
    for w in [0.0, -0.0, 5, 12.5, -20.0, 99.0, 150.0]:
        assert combiner._log_term(w) == -math.log(1.0 - min(abs(w), 99.0) / 100.0)
    assert combiner._log_term.cache_info().maxsize == 4096


def _attribute_reference(findings: list[Finding], terms: dict[str, float], rules_score: float) -> None:
    """attribute() as first written."""
    lt = combiner._log_term.__wrapped__
    rules_term = terms.get("rules", 0.0)
    parts = {id(f): lt(f.weight) for f in findings}
    in_rules = [f for f in findings if f.category not in ("legitimacy", SEMANTIC)]
    total = sum(parts[id(f)] for f in in_rules) or 1.0
    by_cat: dict[str, float] = {}
    for f in findings:
        by_cat[f.category] = by_cat.get(f.category, 0.0) + parts[id(f)]
    for f in findings:
        share = 0.0
        if f.category not in ("legitimacy", SEMANTIC) and rules_score > 0:
            share += rules_term * parts[id(f)] / total
        cat_term = terms.get(f"cat:{f.category}", 0.0)
        if cat_term and by_cat[f.category]:
            share += cat_term * parts[id(f)] / by_cat[f.category]
        if f.category == SEMANTIC:
            share += terms.get(f"sem:{f.indicator}", 0.0)
        f.contribution = round(share, 3)


def test_one_pass_attribution_equals_the_reference():
    rng = random.Random(3)
    cats = [*combiner.CATEGORIES, SEMANTIC, "unknown"]
    for _ in range(300):
        fs = [Finding(f"LW-{rng.randint(1, 9)}", "t", rng.choice(cats),
                      -rng.uniform(0, 50) if rng.random() < 0.1 else rng.uniform(0, 100), "e")
              for _ in range(rng.randint(0, 12))]
        terms = {k: rng.uniform(-2, 3) for k in ["rules", *(f"cat:{c}" for c in cats), "sem:LW-3"]
                 if rng.random() < 0.7}
        score = rng.choice([0.0, rng.uniform(0, 100)])
        ref = [Finding(f.indicator, f.title, f.category, f.weight, f.evidence) for f in fs]
        attribute(fs, terms, score)
        _attribute_reference(ref, terms, score)
        assert [f.contribution for f in fs] == [f.contribution for f in ref]


def _approach(text: str, email: str | None) -> Approach:
    when = datetime(2025, 3, 3, tzinfo=UTC)
    return Approach(source="email", sender_name="Sender", messages=[Message("Sender", text, when)],
                    profile=Profile(name="Sender", email=email))


def test_lookalike_hosts_memo_equals_a_fresh_computation():
    a = _approach("Sign in at https://westmarch-login.example/x or mail me at jo@corp.example", "x@evil.example")
    first = cyber._hosts(a)
    assert first == cyber._hosts(a)  # the memo
    cyber._MEMO.__dict__.clear()
    assert first == cyber._hosts(a)  # recomputed
    a.profile.email = "x@other.example"  # the same objects, changed: never the old answer
    changed = cyber._hosts(a)
    assert changed != first and ("other.example", "email.from") in changed
    b = _approach("Sign in at https://westmarch-login.example/x or mail me at jo@corp.example", "x@evil.example")
    assert cyber._hosts(b) == first
    assert not isinstance(cyber._MEMO.hosts[0], dict)  # one entry per thread: bounded


def test_fewer_collections_raises_the_threshold_and_restores_it():
    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold()[0] >= 50_000
        with fewer_collections():
            pass
        assert gc.get_threshold()[0] >= 50_000  # the inner block leaves the outer one's setting
    assert gc.get_threshold() == before
    with pytest.raises(ValueError), fewer_collections():
        raise ValueError
    assert gc.get_threshold() == before


def test_search_memo_equals_search_and_is_bounded():
    import re

    from lurewatch.indicators.text import SearchMemo

    pat = re.compile(r"\b(?:can't|not comfortable)\b", re.I)
    memo = SearchMemo(pat, max_entries=8)
    texts = [f"reply {i}: I can't share that" if i % 2 else f"reply {i}: sure" for i in range(30)]
    texts += ["x" * 5_000 + " not comfortable"]
    for t in texts * 2:
        m = pat.search(t)
        assert memo.span(t) == (m.span() if m else None)
        assert len(memo._spans) <= 8
    assert texts[-1] not in memo._spans  # long texts are searched, not kept
