"""Compile the matching logic of indicator files into matchers.

A `match` expression in YAML is one of:
  "a phrase"                  the words in order, each matched by stem ("reports" = "report"),
                              `pref*` by prefix, up to `gap` other words between them (default 2)
  "@concept"                  any phrase of a concept list (concepts.yaml)
  [expr, expr, ...]           any of them
  {any: [...]}                any of them
  {all: [...]}                all of them, anywhere in the same text
  {near: [expr, expr], window: N}   both within N words of each other (default 12)
  {not: expr}                 inside `all`: the text must not contain it
  {unnegated: expr}           its matches not governed by a negation ("not", "no", "never", "without"...)
                              in the `reach` (default 6) words before them
  {match: expr, unless_after: expr2, reach: N}   expr's matches that do not follow expr2 within N
                              (default 4) words ("you want to" + "keep off the record")
  {regex: "...", needs: [..]} a Python regular expression over the case-folded text; `needs`: plain
                              substrings one of which must occur before the regex is tried
A match yields character spans, so every finding can quote the sentence that triggered it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Any

from lurewatch.indicators.text import Lexicon, Tokens, split_phrase, stem

Span = tuple[int, int]  # character offsets in Tokens.text


class RuleError(ValueError):
    """An indicator file is malformed."""


class TextView:
    """One text prepared for matching: its tokens and the term index for a lexicon."""

    __slots__ = ("toks", "pos", "_starts", "memo", "_lower")

    def __init__(self, toks: Tokens, pos: dict[int, list[int]]) -> None:
        self.toks, self.pos = toks, pos
        self.memo: dict[int, list[Span]] = {}  # node id -> spans, so shared concepts are matched once per text
        self._starts: list[int] | None = None
        self._lower: str | None = None

    @classmethod
    def of(cls, toks: Tokens, pos: dict[int, list[int]]) -> TextView:
        return cls(toks, pos)

    @property
    def starts(self) -> list[int]:
        if self._starts is None:
            self._starts = [s for s, _ in self.toks.spans]
        return self._starts

    @property
    def lower(self) -> str:
        """The text case-folded, for `needs` tests."""
        if self._lower is None:
            self._lower = self.toks.text.casefold()
        return self._lower

    def word_index(self, char: int) -> int:
        return max(bisect_right(self.starts, char) - 1, 0)

    def char_span(self, i: int, j: int) -> Span:
        return self.toks.spans[i][0], self.toks.spans[j][1]


class Node:
    def find(self, v: TextView) -> list[Span]:  # pragma: no cover - interface
        raise NotImplementedError

    def anchors(self) -> frozenset[int] | None:
        """Terms of which at least one must occur for this node to match (None: cannot tell)."""
        return None


class Phrase(Node):
    __slots__ = ("terms", "gap", "source")

    def __init__(self, terms: list[int], gap: int, source: str) -> None:
        self.terms, self.gap, self.source = terms, gap, source

    def anchors(self) -> frozenset[int] | None:
        return frozenset(self.terms[:1])

    def find(self, v: TextView) -> list[Span]:
        first = v.pos.get(self.terms[0])
        if not first:
            return []
        rest = []
        for t in self.terms[1:]:
            p = v.pos.get(t)
            if not p:
                return []
            rest.append(p)
        out: list[Span] = []
        for start in first:
            cur = start
            for plist in rest:
                k = bisect_right(plist, cur)
                if k < len(plist) and plist[k] <= cur + 1 + self.gap:
                    cur = plist[k]
                else:
                    break
            else:
                out.append(v.char_span(start, cur))
                if len(out) >= 8:
                    break
        return out


class AnyOf(Node):
    """Any child. Phrase children are indexed by their first term, so only the phrases whose first
    word occurs in the text are tried; results are memoised per text (concepts are shared)."""

    __slots__ = ("children", "others", "by_first")

    def __init__(self, children: list[Node]) -> None:
        self.children = children
        self.others = [c for c in children if not isinstance(c, Phrase)]
        self.by_first: dict[int, list[Phrase]] = {}
        for c in children:
            if isinstance(c, Phrase):
                self.by_first.setdefault(c.terms[0], []).append(c)

    def anchors(self) -> frozenset[int] | None:
        out: set[int] = set()
        for c in self.children:
            a = c.anchors()
            if a is None:
                return None
            out |= a
        return frozenset(out)

    def find(self, v: TextView) -> list[Span]:
        key = id(self)
        hit = v.memo.get(key)
        if hit is not None:
            return hit
        out: list[Span] = []
        by_first = self.by_first
        if by_first:
            for t in by_first.keys() & v.pos.keys():
                for ph in by_first[t]:
                    out += ph.find(v)
        for c in self.others:
            out += c.find(v)
        # in text order: the first span is the evidence quoted, and without this it would follow the
        # term ids' hash order, so an edit to any rule file could change another finding's quote
        out.sort()
        v.memo[key] = out
        return out


class AllOf(Node):
    __slots__ = ("children", "negated")

    def __init__(self, children: list[Node], negated: list[Node]) -> None:
        self.children, self.negated = children, negated

    def anchors(self) -> frozenset[int] | None:
        return _smallest([c.anchors() for c in self.children])

    def find(self, v: TextView) -> list[Span]:
        found: list[Span] = []
        for c in self.children:
            s = c.find(v)
            if not s:
                return []
            found.append(s[0])
        for n in self.negated:
            if n.find(v):
                return []
        return found


class Near(Node):
    __slots__ = ("a", "b", "window", "_order")

    def __init__(self, a: Node, b: Node, window: int) -> None:
        self.a, self.b, self.window = a, b, window

    def anchors(self) -> frozenset[int] | None:
        return _smallest([self.a.anchors(), self.b.anchors()])

    def _b_first(self) -> bool:
        order = getattr(self, "_order", None)
        if order is None:
            a, b = self.a.anchors(), self.b.anchors()
            order = self._order = b is not None and _smallest([a, b]) is b
        return order

    def find(self, v: TextView) -> list[Span]:
        # Try the more selective side first: most texts then stop before the common side is matched.
        first, second = (self.b, self.a) if self._b_first() else (self.a, self.b)
        s1 = first.find(v)
        if not s1:
            return []
        s2 = second.find(v)
        if not s2:
            return []
        sa, sb = (s2, s1) if first is self.b else (s1, s2)
        out = []
        for a in sa:
            a0, a1 = v.word_index(a[0]), v.word_index(max(a[1] - 1, a[0]))
            for b in sb:
                b0, b1 = v.word_index(b[0]), v.word_index(max(b[1] - 1, b[0]))
                if max(b0 - a1, a0 - b1, 0) <= self.window:
                    out.append((min(a[0], b[0]), max(a[1], b[1])))
        return out


class Regex(Node):
    """A regular expression; `needs` lists plain substrings one of which the text must contain
    (a cheap test before the regex runs)."""

    __slots__ = ("rx", "needs")

    def __init__(self, pattern: str, needs: list[str] | None = None) -> None:
        try:
            self.rx = re.compile(pattern, re.IGNORECASE)
        except re.error as e:
            raise RuleError(f"bad regex {pattern!r}: {e}") from e
        self.needs = [n.casefold() for n in needs or []]

    def find(self, v: TextView) -> list[Span]:
        if self.needs and not any(map(v.lower.__contains__, self.needs)):
            return []
        return [m.span() for _, m in zip(range(8), self.rx.finditer(v.toks.text), strict=False)]


NEGATORS = frozenset("""not no never without nothing none nor neither don't doesn't didn't won't wouldn't
shouldn't mustn't can't cannot isn't aren't avoid excluding except""".split())


class Unnegated(Node):
    """The child's matches that no negation governs: "not share any confidential information" and
    "no company-specific information" are assurances, not requests. A match counts as negated when one
    of the `reach` words before it is a negator."""

    __slots__ = ("child", "reach")

    def __init__(self, child: Node, reach: int = 6) -> None:
        self.child, self.reach = child, reach

    def anchors(self) -> frozenset[int] | None:
        return self.child.anchors()

    def find(self, v: TextView) -> list[Span]:
        words = v.toks.words
        out = []
        for span in self.child.find(v):
            i = v.word_index(span[0])
            if not any(w in NEGATORS for w in words[max(0, i - self.reach):i]) and not _in_assurance(v, i):
                out.append(span)
        return out


class UnlessAfter(Node):
    """The child's matches that do not follow, within `reach` words, a match of `before`: "anything you want
    to keep off the record, just say" hands the choice to the recipient; "keep it off the record" does not."""

    __slots__ = ("child", "before", "reach")

    def __init__(self, child: Node, before: Node, reach: int = 4) -> None:
        self.child, self.before, self.reach = child, before, reach

    def anchors(self) -> frozenset[int] | None:
        return self.child.anchors()

    def find(self, v: TextView) -> list[Span]:
        found = self.child.find(v)
        if not found:
            return found
        ends = [v.word_index(max(a, b - 1)) for a, b in self.before.find(v)]
        return [sp for sp in found if not any(0 <= v.word_index(sp[0]) - e <= self.reach for e in ends)]


# A negated verb of disclosure governs the whole clause after it: in "you won't share any confidential or
# proprietary information about the company or its customers" every item of the list is negated, however
# long it is. The clause ends at punctuation or at a word that opens a new demand ("but", "only"...).
# "don't" is left out on purpose: "don't tell your manager, just send the list" is an instruction.
ASSURANCE_NEGATORS = frozenset("not never won't wouldn't cannot can't mustn't shouldn't isn't aren't".split())
DISCLOSURE_VERBS = frozenset(stem(w) for w in
                             "share disclose reveal discuss ask request require provide send pass seek expect "
                             "include cover".split())
CLAUSE_WORDS = frozenset("but just only instead however except although though apart other rather".split())
CLAUSE_PUNCT = frozenset(".;:!?,\n()")
ASSURANCE_REACH = 16


def _in_assurance(v: TextView, i: int) -> bool:
    toks = v.toks
    words, stems, spans, text = toks.words, toks.stems, toks.spans, toks.text
    for j in range(i - 1, max(-1, i - ASSURANCE_REACH - 1), -1):
        if words[j] in CLAUSE_WORDS or CLAUSE_PUNCT.intersection(text[spans[j][1]:spans[j + 1][0]]):
            return False
        if words[j] in ASSURANCE_NEGATORS and any(stems[k] in DISCLOSURE_VERBS for k in range(j + 1, min(i, j + 4))):
            return True
    return False


class Compiler:
    """Turns YAML match expressions into Nodes over one shared Lexicon."""

    def __init__(self, concepts: dict[str, Any], lexicon: Lexicon | None = None) -> None:
        self.lexicon = lexicon or Lexicon()
        self.raw_concepts = concepts
        self.concepts: dict[str, Node] = {}
        COMMON_TERMS.update(self.lexicon.term(w) for w in COMMON_WORDS)

    def compile(self, expr: Any, gap: int = 2) -> Node:
        if isinstance(expr, str):
            if expr.startswith("@"):
                return self._concept(expr[1:])
            return self._phrase(expr, gap)
        if isinstance(expr, list):
            return AnyOf([self.compile(e, gap) for e in expr])
        if isinstance(expr, dict):
            gap = int(expr.get("gap", gap))
            if "any" in expr:
                return AnyOf([self.compile(e, gap) for e in _as_list(expr["any"])])
            if "all" in expr:
                pos, neg = [], []
                for e in _as_list(expr["all"]):
                    if isinstance(e, dict) and "not" in e:
                        neg.append(self.compile(e["not"], gap))
                    else:
                        pos.append(self.compile(e, gap))
                if not pos:
                    raise RuleError("`all` needs at least one positive expression")
                return AllOf(pos, neg)
            if "near" in expr:
                pair = _as_list(expr["near"])
                if len(pair) != 2:
                    raise RuleError("`near` takes exactly two expressions")
                return Near(self.compile(pair[0], gap), self.compile(pair[1], gap),
                            int(expr.get("window", 12)))
            if "unnegated" in expr:
                return Unnegated(self.compile(expr["unnegated"], gap), int(expr.get("reach", 6)))
            if "unless_after" in expr:
                if "match" not in expr:
                    raise RuleError("`unless_after` needs `match`")
                return UnlessAfter(self.compile(expr["match"], gap), self.compile(expr["unless_after"], gap),
                                   int(expr.get("reach", 4)))
            if "regex" in expr:
                return Regex(str(expr["regex"]), [str(n) for n in _as_list(expr.get("needs", []))])
            if "not" in expr:
                raise RuleError("`not` is only allowed inside `all`")
        raise RuleError(f"cannot compile match expression {expr!r}")

    def _phrase(self, phrase: str, gap: int) -> Node:
        parts = split_phrase(phrase)
        if not parts:
            raise RuleError(f"empty phrase {phrase!r}")
        return Phrase([self.lexicon.term(p) for p in parts], gap, phrase)

    def _concept(self, name: str) -> Node:
        node = self.concepts.get(name)
        if node is None:
            if name not in self.raw_concepts:
                raise RuleError(f"unknown concept @{name}")
            self.concepts[name] = AnyOf([])  # guards against self-reference
            node = self.compile(self.raw_concepts[name])
            self.concepts[name] = node
        return node


def _smallest(sets: list[frozenset[int] | None]) -> frozenset[int] | None:
    """The most selective anchor set: fewest terms, counting very common words as many."""
    known = [s for s in sets if s is not None]
    return min(known, key=lambda s: len(s) + 25 * len(s & COMMON_TERMS)) if known else None


# Term ids of very common words, filled by the Compiler (anchors made of them filter little).
COMMON_TERMS: set[int] = set()
COMMON_WORDS = """a about after all also an and any are as at be but by can could do for from get give have
how i if in is it know let like me more my no not now of on one or our out share send so some tell than that
the their them then there they this to up us we what when which who will with would you your call talk chat
time work paid pay new meet information details team help interest interested""".split()


def _as_list(x: Any) -> list[Any]:
    return x if isinstance(x, list) else [x]
