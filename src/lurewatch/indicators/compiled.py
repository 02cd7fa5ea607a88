"""The compiled matcher: one pass per text decides which indicators can match at all.

Every match expression has a necessary condition that is cheap to test: a phrase needs all its terms in
the text, `any` needs one child's condition, `all` and `near` need every child's, a regex with `needs`
needs one of those substrings. `requirement(node)` writes it as clauses (sets of keys, any one of which
must be wholly present); a key is a term id of the Lexicon or, for a regex's `needs`, a literal string.

Per text, the literals of every rule are found in one pass of an Aho-Corasick automaton (pyahocorasick;
a pure-Python loop when it is not installed), the terms come from the text's term index, and a clause
index keyed on one element of each clause yields the indicators whose condition holds. Only those are
evaluated in full, by the same Nodes as before, so the findings are identical to evaluating every
indicator (tests/test_compiled_matcher.py compares both on every labelled set).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from re import _constants as _C  # type: ignore[attr-defined]
from typing import Any

from lurewatch.indicators.rules import (
    COMMON_TERMS,
    AllOf,
    AnyOf,
    Near,
    Node,
    Phrase,
    Regex,
    TextView,
    UnlessAfter,
    Unnegated,
)

try:
    import ahocorasick
except ImportError:  # pragma: no cover - exercised by the fallback test through `use_automaton=False`
    ahocorasick = None

Key = int | str  # a term id, or a literal substring of the case-folded text
Group = list[frozenset[Key]]  # one of these clauses must be wholly present ([]: impossible)
Requirement = list[Group]  # every group must hold ([]: no condition known)


def requirement(node: Node, memo: dict[int, Requirement] | None = None) -> Requirement:
    """Groups of clauses that must all hold (each by one clause wholly present) for `node` to match."""
    memo = {} if memo is None else memo
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = []  # a cycle (never built by the Compiler) would read "no condition"
    out = [list(dict.fromkeys(g)) for g in _requirement(node, memo)]
    memo[key] = out
    return out


def _requirement(node: Node, memo: dict[int, Requirement]) -> Requirement:
    if isinstance(node, Phrase):
        return [[frozenset(node.terms)]]
    if isinstance(node, AnyOf) and len(node.children) == 1:
        return requirement(node.children[0], memo)
    if isinstance(node, AnyOf):
        # one of the children: a weaker condition, the union of each child's most selective group
        union: Group = []
        for c in node.children:
            req = requirement(c, memo)
            if not req:
                return []
            if any(not g for g in req):
                continue  # this child can never match
            union += min(req, key=_weakness)
        return [union]
    if isinstance(node, AllOf):  # `not` children only remove matches: they add no condition
        return [g for c in node.children for g in requirement(c, memo)]
    if isinstance(node, Near):
        return requirement(node.a, memo) + requirement(node.b, memo)
    if isinstance(node, Unnegated | UnlessAfter):
        return requirement(node.child, memo)
    if isinstance(node, Regex):
        out: Requirement = [[frozenset((n,)) for n in node.needs]] if node.needs else []
        lits = required_literals(node.rx.pattern)
        return out + [[frozenset((lit,)) for lit in lits]] if lits else out
    return []


# Characters that a case-insensitive regex matches only in forms that case-fold to themselves (checked
# over all of Unicode). "i" also matches the Turkish dotless and dotted I: literals are therefore looked
# for in a text where those are folded to "i" too (`literal_text`).
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyz0123456789 .@-_")
MAX_ALTERNATIVES = 64


def literal_text(lower: str) -> str:
    """The case-folded text as the literal search reads it."""
    if lower.isascii() or ("\u0131" not in lower and "\u0307" not in lower):
        return lower
    return lower.replace("\u0131", "i").replace("\u0307", "")


def required_literals(pattern: str) -> list[str] | None:
    """Plain strings one of which every match of `pattern` contains (None: none of 3+ characters known).

    Reads the top-level sequence of the parsed pattern: runs of literal characters, and groups that are
    alternations of plain strings ("\\.(?:iso|img)" gives ".iso", ".img")."""
    try:
        parsed = re._parser.parse(pattern, re.IGNORECASE)  # type: ignore[attr-defined]
    except re.error:
        return None
    runs: list[set[str]] = []
    cur = {""}
    for item in parsed:
        alts = _alternatives([item])
        if alts is None or len(cur) * len(alts) > MAX_ALTERNATIVES:
            runs.append(cur)
            cur = {""}
            if alts is None or len(alts) > MAX_ALTERNATIVES:
                continue
        cur = {a + b for a in cur for b in alts}
    runs.append(cur)
    best = max(runs, key=lambda r: min(map(len, r)))
    return sorted(best) if min(map(len, best)) >= 3 else None


def _alternatives(items: Any) -> set[str] | None:
    """The strings a parsed sequence matches, when it is made of plain characters and alternations."""
    out = {""}
    for op, av in items:
        if op is _C.LITERAL and chr(av) in _SAFE:
            alts = {chr(av)}
        elif op is _C.SUBPATTERN and av[1] == 0 and av[2] == 0:  # a plain group
            alts = _alternatives(av[3])
        elif op is _C.BRANCH:
            alts = set()
            for branch in av[1]:
                b = _alternatives(branch)
                if b is None:
                    return None
                alts |= b
        else:
            return None
        if alts is None or len(out) * len(alts) > MAX_ALTERNATIVES:
            return None
        out = {a + b for a in out for b in alts}
    return out


def _weakness(group: Group) -> float:
    """Roughly how likely a group is to hold in a text: a common word or a literal of 1-2 characters is taken
    to occur with odds of 0.3, any other term 0.02, a longer literal 0.01; a clause needs all of its keys."""
    total = 0.0
    for clause in group:
        p = 1.0
        for k in clause:
            p *= (0.3 if k in COMMON_TERMS else 0.02) if isinstance(k, int) else 0.3 if len(k) < 3 else 0.01
        total += p
    return total


def _watch_key(clause: frozenset[Key]) -> Key:
    """The element of a clause to index it by: a rare one, so that few clauses are looked at per text."""
    return min(clause, key=lambda k: (isinstance(k, int) and k in COMMON_TERMS, isinstance(k, str) and len(k) < 3,
                                      str(k)))


class Literals:
    """Finds which of a fixed set of substrings occur in a text, in one pass."""

    def __init__(self, literals: Sequence[str], use_automaton: bool = True) -> None:
        self.literals = sorted(set(literals))
        self.auto = None
        if use_automaton and ahocorasick is not None and self.literals:
            auto = ahocorasick.Automaton()
            for lit in self.literals:
                auto.add_word(lit, lit)
            auto.make_automaton()
            self.auto = auto

    def found(self, lower: str) -> set[str]:
        if not self.literals:
            return set()
        if self.auto is not None:
            return {lit for _, lit in self.auto.iter(lower)}
        return {lit for lit in self.literals if lit in lower}


class ScopeMatcher:
    """The indicators of one scope with their conditions, indexed for the per-text candidate pass."""

    def __init__(self, indicators: list, use_automaton: bool = True) -> None:
        self.indicators = indicators
        self.groups: list[int] = []  # per indicator: how many groups must hold (0: always evaluated)
        watch: dict[Key, list[tuple[int, int, frozenset[Key]]]] = {}
        literals: set[str] = set()
        memo: dict[int, Requirement] = {}
        for i, ind in enumerate(indicators):
            req = requirement(ind.match, memo) if ind.match is not None else [[]]
            self.groups.append(len(req))
            for g, group in enumerate(req):
                for clause in group:
                    watch.setdefault(_watch_key(clause), []).append((i, g, clause))
                    literals.update(k for k in clause if isinstance(k, str))
        self.watch = watch
        self.literals = Literals(sorted(literals), use_automaton)

    def candidates(self, view: TextView) -> list:
        """The indicators, in their order, whose condition holds in this text."""
        present: set[Key] = set(view.pos)
        if self.literals.literals:
            lower = view.lower
            folded = literal_text(lower)
            present |= self.literals.found(lower)
            if folded is not lower:  # rare: a Turkish I; `needs` read the plain case-folded text
                present |= self.literals.found(folded)
        held: dict[int, set[int]] = {}
        watch = self.watch
        for k in present.intersection(watch):
            for i, g, clause in watch[k]:
                if clause <= present:
                    held.setdefault(i, set()).add(g)
        groups = self.groups
        return [ind for i, ind in enumerate(self.indicators)
                if not groups[i] or (i in held and len(held[i]) == groups[i])]
