"""Text normalisation and phrase matching that survives everyday variation.

Why hand-written: the indicators need inflection-tolerant phrase matching with small gaps ("move *the
conversation* to WhatsApp"), concept lists shared between rules and a speed of ~10 µs per message.
Regex alternations over raw text miss inflection, and full NLP pipelines (spaCy) are far too slow and
heavy for a `pip install` tool. We use the Snowball stemmer (a well-kept library) for inflection, and a
per-word cache so each distinct word is stemmed and classified once per process.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import defaultdict

import snowballstemmer

# Snowball stemmer objects keep state between calls and are not thread-safe: one per thread.
_local = threading.local()


def _stemmer() -> snowballstemmer.stemmer:
    st = getattr(_local, "stemmer", None)
    if st is None:
        st = _local.stemmer = snowballstemmer.stemmer("english")
    return st
# Words, numbers, and money/handle signs kept as their own tokens.
_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?|[$£€¥@+]")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
# British/American spellings and common variants folded before stemming.
_VARIANTS = {
    "organisation": "organization", "organise": "organize", "organised": "organized",
    "programme": "program", "programmes": "programs", "honoraria": "honorarium",
    "whatsapp": "whatsapp", "wechat": "wechat", "e": "e", "licence": "license",
    "analyse": "analyze", "analysed": "analyzed", "favour": "favor", "travelling": "traveling",
    "travelled": "traveled", "defence": "defense", "cheque": "check",
}


def normalise(text: str) -> str:
    """Case-fold, unify Unicode look-alikes (NFKC), drop accents and zero-width characters."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")
    text = text.replace("\u200b", "").replace("\u200c", "").replace("\u200d", "").replace("\u2060", "")
    if not text.isascii():
        text = "".join(
            c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
        )
    # "e-mail" -> "email", "what's app" -> "whatsapp", "we chat" -> "wechat", "tele gram" -> "telegram"
    if "mail" in text:
        text = _EMAIL.sub("email", text)
    if "app" in text:
        text = _WHATSAPP.sub("whatsapp", text)
    if "chat" in text:
        text = _WECHAT.sub("wechat", text)
    return text


_EMAIL = re.compile(r"\be[\s\-_.]?mail")
_WHATSAPP = re.compile(r"\bwhat'?s[\s\-_.]*app\b")
_WECHAT = re.compile(r"\bwe[\s\-_.]*chat\b")


_word_cache: dict[str, str] = {}


def stem(word: str) -> str:
    s = _word_cache.get(word)
    if s is None:
        w = _VARIANTS.get(word, word)
        if w.endswith(("'s", "’s")):
            w = w[:-2]
        s = _stemmer().stemWord(w) if len(w) > 2 and w.isalpha() else w
        if len(_word_cache) < 500_000:
            _word_cache[word] = s
    return s


class Tokens:
    """A text split into tokens, with each token's stem and character span.

    `stems` and `spans` may be left out (None): they are then worked out on first use, since most texts
    match no rule and need neither.
    """

    __slots__ = ("text", "words", "_stems", "_spans", "_norm", "positions")

    def __init__(self, text: str, words: list[str], stems: list[str] | None = None,
                 spans: list[tuple[int, int]] | None = None, positions: dict[str, list[int]] | None = None,
                 norm: str | None = None) -> None:
        self.text, self.words, self._stems, self._spans = text, words, stems, spans
        self._norm = text if norm is None else norm  # the string the spans index
        self.positions = {} if positions is None else positions

    @property
    def stems(self) -> list[str]:
        if self._stems is None:
            cache = _word_cache
            self._stems = [cache.get(w) or stem(w) for w in self.words]
        return self._stems

    @property
    def spans(self) -> list[tuple[int, int]]:
        if self._spans is None:
            self._spans = [m.span() for m in _TOKEN.finditer(self._norm)]
        return self._spans

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tokens) and (self.text, self.words, self.stems, self.spans) == (
            other.text, other.words, other.stems, other.spans)

    __hash__ = None  # type: ignore[assignment]


def tokenize(text: str) -> Tokens:
    norm = normalise(text)
    # Spans index `norm`; when normalisation changed the length we quote from `norm` instead.
    return Tokens(text if len(norm) == len(text) else norm, _TOKEN.findall(norm), norm=norm)


def tokenize_reference(text: str) -> Tokens:
    """tokenize() computing stems and spans at once (the reference path of the equality tests)."""
    norm = normalise(text)
    matches = list(_TOKEN.finditer(norm))
    words = [m.group(0) for m in matches]
    cache = _word_cache
    stems = [cache.get(w) or stem(w) for w in words]
    spans = [m.span() for m in matches]
    return Tokens(text if len(norm) == len(text) else norm, words, stems, spans)


def sentence_around(text: str, start: int, end: int, limit: int = 240) -> str:
    """The sentence holding text[start:end], bounded to `limit` characters, whitespace collapsed."""
    left = max(text.rfind(".", 0, start), text.rfind("!", 0, start), text.rfind("?", 0, start),
               text.rfind("\n", 0, start))
    rights = [i for i in (text.find(".", end), text.find("!", end), text.find("?", end),
                          text.find("\n", end)) if i != -1]
    right = min(rights) + 1 if rights else len(text)
    s, e = left + 1, right
    if e - s > limit:
        mid = (start + end) // 2
        s = max(s, mid - limit // 2)
        e = min(e, s + limit)
    quote = " ".join(text[s:e].split())
    return quote


class Lexicon:
    """Single-token terms (exact stems or prefixes) numbered once, with a word -> terms cache."""

    def __init__(self) -> None:
        self.exact: dict[str, int] = {}
        self.prefixes: list[tuple[str, int]] = []
        # the prefixes by their first letter, in registration order: a new word is tested against its own
        # letter's few prefixes, not all of them (same ids, same order)
        self._by_first: dict[str, list[tuple[str, int]]] = {}
        self._cache: dict[str, tuple[int, ...]] = {}

    def term(self, pattern: str) -> int:
        """Register one token pattern: `word` (matched by stem) or `pref*` (matched by prefix)."""
        if pattern.endswith("*") and len(pattern) > 1:
            key = pattern[:-1]
            for p, tid in self.prefixes:
                if p == key:
                    return tid
            tid = len(self.exact) + len(self.prefixes)
            self.prefixes.append((key, tid))
            self._by_first.setdefault(key[0], []).append((key, tid))
            self._cache.clear()
            return tid
        key = stem(pattern)
        if key not in self.exact:
            self.exact[key] = len(self.exact) + len(self.prefixes)
            self._cache.clear()
        return self.exact[key]

    def terms_of(self, word: str, stem_: str) -> tuple[int, ...]:
        hit = self._cache.get(word)
        if hit is None:
            ids = []
            tid = self.exact.get(stem_)
            if tid is not None:
                ids.append(tid)
            if word != stem_:
                tid = self.exact.get(word)
                if tid is not None and tid not in ids:
                    ids.append(tid)
            for p, tid in self._by_first.get(word[:1], ()):
                if word.startswith(p) and tid not in ids:
                    ids.append(tid)
            hit = tuple(ids)
            if len(self._cache) < 500_000:
                self._cache[word] = hit
        return hit

    def index(self, toks: Tokens) -> dict[int, list[int]]:
        """term id -> positions in this text (by word, through the cache; stems only for new words)."""
        pos: dict[int, list[int]] = {}
        get = self._cache.get
        for i, w in enumerate(toks.words):
            tids = get(w)
            if tids is None:
                tids = self.terms_of(w, _word_cache.get(w) or stem(w))
            for tid in tids:
                lst = pos.get(tid)
                if lst is None:
                    pos[tid] = [i]
                else:
                    lst.append(i)
        return pos

    def index_reference(self, toks: Tokens) -> dict[int, list[int]]:
        """index() as first written, from the stems (the reference path of the equality tests)."""
        pos: dict[int, list[int]] = defaultdict(list)
        for i, (w, s) in enumerate(zip(toks.words, toks.stems, strict=True)):
            for tid in self.terms_of(w, s):
                pos[tid].append(i)
        return pos


def split_phrase(phrase: str) -> list[str]:
    """Split a rule phrase into token patterns, keeping `*` suffixes and symbols like `$`."""
    out = []
    for raw in normalise(phrase).split():
        if raw.endswith("*"):
            out.append(raw)
            continue
        out += [m.group(0) for m in _TOKEN.finditer(raw)]
    return out


# A reply's quoted history: "On Tue, 3 Jun 2025, Kofi Osei wrote:" followed by "> ..." lines, or an
# Outlook "-----Original Message-----" (or "______") line with its "From:" line. Forwarded messages are
# never stripped: what a sender forwards is theirs. Written by hand because no
# maintained library strips quotes without also guessing signatures (talon is unmaintained).
_ATTRIBUTION = re.compile(
    r"^[ \t]*(?:On\b[^\n]{4,200}?\bwrote:[ \t]*$"
    r"|(?:-{2,}[ \t]*Original Message[ \t]*-{2,}|_{10,})[ \t]*\n[ \t]*From:[^\n]{1,200}$)",
    re.MULTILINE | re.IGNORECASE,
)


def strip_quoted_replies(text: str, sender: tuple[str, ...] = ()) -> str:
    """The text without quoted earlier messages that someone other than the sender wrote.

    A reply that quotes the recipient ("As discussed the raw data is restricted") must not be read as
    the sender's words. A quote attributed to the sender (one of `sender`: names or addresses) is kept: it
    may be the only copy of their earlier asks. Text after a "> " block (an inline reply) is kept too.
    """
    if "wrote:" not in text and "From:" not in text:
        return text
    keys = [s.casefold() for s in sender if s and len(s) >= 3]
    out, pos = [], 0
    for m in _ATTRIBUTION.finditer(text):
        if m.start() < pos:
            continue
        if any(k in m.group(0).casefold() for k in keys):
            continue
        line_end = m.end()
        rest = text[line_end:]
        if m.group(0).lstrip().lower().startswith("on"):
            # the "> " block that follows; stop at the first unquoted, non-blank line
            q = re.match(r"(?:\n[ \t]*(?:>[^\n]*)?)*", rest)
            cut = line_end + (q.end() if q else 0)
            if cut == line_end or ">" not in text[line_end:cut]:
                continue
        else:
            cut = len(text)  # an Outlook header: everything below it is the earlier thread
        out.append(text[pos:m.start()])
        pos = cut
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out).rstrip()


class SearchMemo:
    """`pattern.search(text)`'s span (or None), remembered per text: a pure function of the text, and the
    same reply or message recurs (templates, campaigns). Bounded: at most `max_entries` texts of up to
    4,000 characters; longer texts are searched every time."""

    def __init__(self, pattern: re.Pattern[str], max_entries: int = 16_384) -> None:
        self.pattern = pattern
        self.max_entries = max_entries
        self._spans: dict[str, tuple[int, int] | None] = {}

    def span(self, text: str) -> tuple[int, int] | None:
        try:
            return self._spans[text]
        except KeyError:
            pass
        m = self.pattern.search(text)
        out = m.span() if m else None
        if len(text) <= 4_000:
            if len(self._spans) >= self.max_entries:
                self._spans.clear()
            self._spans[text] = out
        return out
