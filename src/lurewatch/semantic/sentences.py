"""Split a message into sentences for the semantic layer: bounded and linear in the text's length.

Every message is hostile text. The work is bounded: only the first ``max_sentences * max_chars * 2``
characters are read; at most ``16 * max_sentences`` lines and candidate pieces are looked at (kept or
dropped); at most 16 dots are passed over as abbreviations before a sentence is cut anyway; at most
``max_sentences`` pieces are returned, each at most ``max_chars`` characters (an over-long run without sentence punctuation is cut into
several pieces at word boundaries, so padding cannot push an ask out of reach within those bounds). Every
pattern below matches a character class run once from its start (a look-behind stops it from
restarting inside a run), so no regex can go quadratic on a run of dots or spaces.

Boundaries: ``.``, ``!``, ``?`` or ``…`` followed by white space (so the dots inside URLs, e-mail
addresses and decimals never split), unless the word before is a known abbreviation or an initial, or the
next word starts in lower case; a blank line; a line break, unless the text looks hard-wrapped (the line
before does not end in punctuation and the next line starts in lower case or with a digit); a bullet or
numbered item, whose marker is dropped. Pieces with no letter or digit are dropped.
"""

from __future__ import annotations

import itertools
import re

__all__ = ["split_sentences"]

_END = re.compile(r"(?<![.!?\u2026])([.!?\u2026]++)[\"'\u201d\u2019)\]]*+\s+")
_BULLET = re.compile(r"[ \t]*(?:[-*\u2022\u00b7\u2013\u2014\u25aa\u25cf]+|\(?\d{1,3}[.)]|\(?[a-z][)])[ \t]+")
_WORK_PER_SENTENCE = 16
_MAX_SKIPPED = 16  # dots passed over as abbreviations before a sentence is cut there anyway
_HAS_WORD = re.compile(r"\w")
_INITIALS = re.compile(r"(?:[a-z]\.){1,4}")
_LINE_END_PUNCT = frozenset(".!?:;,\u2026)\"'\u201d\u2019")
_ABBREVIATIONS = frozenset(
    """mr. mrs. ms. dr. prof. sr. jr. st. mt. rev. hon. gen. col. capt. lt. sgt. gov. sen. rep. pres.
    e.g. i.e. etc. vs. v. cf. al. approx. ca. no. nos. vol. pp. p. ed. eds. fig. figs. dept. univ. assn.
    inc. ltd. co. corp. plc. llc. bros. est. jan. feb. mar. apr. jun. jul. aug. sep. sept. oct. nov. dec.
    mon. tue. tues. wed. thu. thur. thurs. fri. sat. sun. a.m. p.m. u.s. u.k. e.u. u.n. ph.d. m.sc. b.sc.
    ref. tel. ext. min. max. incl. excl. resp. esp. viz. attn. dir. mgr. assoc. asst. govt. intl. natl.""".split()
)


def split_sentences(text: str, max_sentences: int = 40, max_chars: int = 400) -> list[str]:
    """The first ``max_sentences`` sentences of ``text``, each at most ``max_chars`` characters."""
    if not text or max_sentences <= 0 or max_chars <= 0:
        return []
    text = text[: max_sentences * max_chars * 2]
    out: list[str] = []
    budget = max_sentences * _WORK_PER_SENTENCE  # lines and candidate pieces looked at, kept or not
    for block in _blocks(text, budget):
        for sentence in _split_block(block, max_chars):
            for piece in _pieces(sentence, max_chars):
                budget -= 1
                if budget < 0:
                    return out
                if _HAS_WORD.search(piece):
                    out.append(piece)
                    if len(out) >= max_sentences:
                        return out
    return out


def _blocks(text: str, max_lines: int):
    """Paragraph-like blocks: lines joined where the text is hard-wrapped, bullet markers dropped."""
    current: list[str] = []
    for raw in itertools.islice(text.splitlines(), max_lines):
        line = raw.strip()
        if not line:
            if current:
                yield " ".join(current)
                current = []
            continue
        bullet = _BULLET.match(raw)
        if bullet:
            line = raw[bullet.end() :].strip()
            if not line:
                continue
        wrapped = (
            current
            and not bullet
            and current[-1][-1] not in _LINE_END_PUNCT
            and (line[0].islower() or line[0].isdigit())
        )
        if current and not wrapped:
            yield " ".join(current)
            current = []
        current.append(line)
    if current:
        yield " ".join(current)


def _split_block(block: str, max_chars: int):
    start = 0
    skipped = 0
    for m in _END.finditer(block):
        end = m.end()
        pending = end < len(block) and end - start < max_chars and skipped < _MAX_SKIPPED
        if pending and not _boundary(block, start, m):
            skipped += 1
            continue
        skipped = 0
        yield block[start:end].strip()
        start = end
    if start < len(block):
        yield block[start:].strip()


def _boundary(block: str, start: int, m: re.Match[str]) -> bool:
    nxt = block[m.end()]
    if nxt.islower():
        return False
    if m.group(1) != ".":
        return True
    # the word just before the dot (looked for in a bounded window, so this stays linear)
    window_start = max(start, m.start() - 12)
    ws = max(block.rfind(" ", window_start, m.start()), block.rfind("\t", window_start, m.start()))
    word = block[(ws + 1 if ws >= 0 else window_start) : m.start() + 1].lower().lstrip("(\"'")
    return not (word in _ABBREVIATIONS or _INITIALS.fullmatch(word))


def _pieces(sentence: str, max_chars: int):
    """The sentence in pieces of at most ``max_chars`` characters, cut at white space where possible."""
    while len(sentence) > max_chars:
        cut = sentence.rfind(" ", max_chars // 2, max_chars + 1)
        if cut <= 0:
            cut = max_chars
        yield sentence[:cut].strip()
        sentence = sentence[cut:].strip()
    if sentence:
        yield sentence
