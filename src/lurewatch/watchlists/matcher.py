"""Finding watchlisted organisation names in free text, fast and without generic-word false positives.

Index: every entry name and alias becomes a key (normalised tokens, legal suffixes removed). Each key is
filed under its one or two rarest informative tokens (an inverted index), so a text only ever checks the
few keys whose distinctive word it contains: a text that merely shares "Institute" or "Technology" with
an entry never even makes it a candidate. A candidate is verified on the window around that word: every
non-stopword token of the key must be present, in order (rapidfuzz tolerates small spelling variants of
long tokens), and the whole window must score at or above the threshold (rapidfuzz ratio over content
tokens). Keys written in CJK scripts must match exactly and contiguously.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from lurewatch.watchlists.normalize import LEGAL_SUFFIXES, STOPWORDS, informative, name_key, scan, strip_legal

MATCH_THRESHOLD = 88.0  # whole-window similarity (0-100) for a match
TOKEN_THRESHOLD = 85.0  # similarity for a long token to count as present (typos, spelling variants)
MIN_FUZZY_TOKEN = 6  # shorter tokens must be equal
SLACK = 2  # extra tokens allowed around a key in the text window
SECOND_BLOCK_MAX_DF = 64  # a word in more keys than this ("Beijing", "China") is no second blocking key


@dataclass(slots=True)
class Entry:
    name: str
    list_name: str
    aliases: list[str] = field(default_factory=list)
    country: str = ""
    risk: str = "high"
    source_url: str = ""
    entry_id: int | None = None  # row id in the store


@dataclass(slots=True)
class Match:
    entry: Entry
    key: str  # the entry name or alias that matched (as written in the list)
    text: str  # the matched text, as written in the screened text
    start: int
    end: int
    score: int  # 0-100


@dataclass(slots=True)
class _Key:
    entry: int
    label: str
    toks: tuple[str, ...]
    full: str  # all tokens joined, for scoring
    content: tuple[str, ...]  # the non-stopword tokens
    cjk: bool
    whole_only: bool  # too weak for free text (only generic words, or a short acronym)


def _is_cjk(tok: str) -> bool:
    return len(tok) == 1 and ord(tok) >= 0x3040


class WatchlistIndex:
    """Inverted index over the names and aliases of many list entries."""

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        self.entries: list[Entry] = []
        self._keys: list[_Key] = []
        self._block: dict[str, list[int]] = {}
        self._whole: dict[str, list[int]] = {}
        self.add(entries)

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, entries: Iterable[Entry]) -> None:
        new: list[_Key] = []
        for e in entries:
            eid = len(self.entries)
            self.entries.append(e)
            seen: set[tuple[str, ...]] = set()
            for label in [e.name, *e.aliases]:
                toks = name_key(label)
                if not toks or toks in seen:
                    continue
                seen.add(toks)
                content = tuple(t for t in toks if t not in STOPWORDS)
                info = [t for t in content if informative(t)]
                cjk = any(_is_cjk(t) for t in toks)
                # Only generic words ("Institute of Technology"): too weak for free text unless long.
                acronym = len(content) == 1 and len(content[0]) <= 3 and not cjk
                weak = (not info and len(content) < 3) or acronym
                new.append(_Key(eid, label, toks, " ".join(toks), content, cjk, weak))
        self._keys += new
        self._reindex()

    def _reindex(self) -> None:
        df: Counter[str] = Counter()
        for k in self._keys:
            df.update(set(k.toks))
        block: dict[str, list[int]] = defaultdict(list)
        whole: dict[str, list[int]] = defaultdict(list)
        for kid, k in enumerate(self._keys):
            whole[" ".join(k.toks)].append(kid)
            if k.whole_only:
                continue
            info = {t for t in k.toks if informative(t)} or {t for t in k.toks if t not in STOPWORDS}
            info = sorted(info, key=lambda t: (df[t], -len(t), t))
            block[info[0]].append(kid)
            # A second, still rare, blocking token: a typo in one distinctive word still finds the entry.
            if len(info) > 1 and not k.cjk and df[info[1]] <= SECOND_BLOCK_MAX_DF:
                block[info[1]].append(kid)
        self._block = dict(block)
        self._whole = dict(whole)

    # -- screening ---------------------------------------------------------------------------------------

    def match_text(self, text: str, *, name_field: bool = False) -> list[Match]:
        """Watchlisted names in `text`, best match per entry. `name_field`: the whole text is an
        organisation name (an employer, an institution), so weak keys may match it exactly."""
        norms, ms = scan(text)
        best: dict[int, Match] = {}
        if name_field and norms:
            whole = " ".join(strip_legal(list(norms)))
            for kid in self._whole.get(whole, ()):
                self._keep(best, kid, text, ms[0].start(), ms[-1].end(), 100)
        block = self._block
        present: set[str] | None = None
        tried: set[tuple[int, int]] = set()
        for p, tok in enumerate(norms):
            kids = block.get(tok)
            if not kids:
                continue
            if present is None:
                present = set(norms)
            for kid in kids:
                key = self._keys[kid]
                anchor = key.toks.index(tok)
                start = p - anchor
                if (kid, start) in tried:
                    continue
                tried.add((kid, start))
                # cheap pre-check: all but one of the key's content words occur in the text as written
                if sum(1 for t in key.content if t not in present) > (0 if key.cjk else 1):
                    continue
                if len(key.toks) == 1 and len(tok) <= 4 and not key.cjk and not text[ms[p].start()].isupper():
                    continue  # a short single word matches only capitalised ("CETC", "Zoli", not "cetc")
                hit = self._verify(key, norms, p, anchor)
                if hit is not None:
                    s, e, score = hit
                    e = _extend_suffix(norms, e)
                    self._keep(best, kid, text, ms[s].start(), ms[e].end(), score)
        return sorted(best.values(), key=lambda m: (-m.score, m.start))

    def _keep(self, best: dict[int, Match], kid: int, text: str, start: int, end: int, score: int) -> None:
        key = self._keys[kid]
        cur = best.get(key.entry)
        if cur is None or score > cur.score:
            best[key.entry] = Match(self.entries[key.entry], key.label, text[start:end], start, end, score)

    @staticmethod
    def _verify(key: _Key, norms: list[str], p: int, anchor: int) -> tuple[int, int, int] | None:
        n = len(key.toks)
        if key.cjk:
            s = p - anchor
            if s < 0 or s + n > len(norms):
                return None
            return (s, s + n - 1, 100) if tuple(norms[s : s + n]) == key.toks else None
        lo = max(0, p - anchor - SLACK)
        hi = min(len(norms), p + (n - anchor) + SLACK)
        q = lo
        first = last = -1
        for kt in key.toks:
            if kt in STOPWORDS:
                continue
            found = -1
            for j in range(q, hi):
                wt = norms[j]
                if wt == kt or (
                    len(kt) >= MIN_FUZZY_TOKEN and len(wt) >= MIN_FUZZY_TOKEN - 1
                    and fuzz.ratio(kt, wt) >= TOKEN_THRESHOLD
                ):
                    found = j
                    break
            if found < 0:
                return None
            if first < 0:
                first = found
            last = found
            q = found + 1
        if first < 0:
            return None
        # Scored on all tokens: a missing "of" costs little, stopwords stuffed between words cost more.
        span = " ".join(norms[first : last + 1])
        score = 100 if span == key.full else int(round(fuzz.ratio(key.full, span)))
        if score < MATCH_THRESHOLD:
            return None
        return first, last, score


_SUFFIX_LENGTHS = sorted({len(s) for s in LEGAL_SUFFIXES}, reverse=True)
_SUFFIX_SET = frozenset(LEGAL_SUFFIXES)


def _extend_suffix(norms: list[str], end: int) -> int:
    """Extend a matched span over a legal suffix that follows it ("Foo Dynamics" -> "Foo Dynamics Ltd")."""
    for n in _SUFFIX_LENGTHS:
        if end + n < len(norms) and tuple(norms[end + 1 : end + 1 + n]) in _SUFFIX_SET:
            return end + n
    return end
