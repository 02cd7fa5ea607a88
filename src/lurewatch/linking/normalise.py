"""Template text: normalise away names, greetings, sign-offs and numbers, then shingle for MinHash."""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterable

SHINGLE_WORDS = 3  # word 3-grams
MIN_SHINGLES = 8  # shorter texts (a greeting, "thanks!") carry no template evidence
MAX_TEXT_CHARS = 4000  # only the opening of a long message is used as its template

_TOKENS = re.compile(
    r"(?P<url>(?:https?://|www\.)\S+)|(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)|(?P<handle>@\w+)"
    r"|(?P<num>[+$€£¥]?\d[\d,.:/\-]*)",
    re.I,
)
_WORD = re.compile(r"<\w+>|[^\W_]+(?:'[^\W_]+)?")
_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|dear|greetings|good\s+(?:morning|afternoon|evening)|hope\s+you(?:'re|\s+are)\s+well)"
    r"\b[^\n,.!:]{0,40}[,.!:]?",
    re.I,
)
_SIGNOFF = re.compile(
    r"\n\s*(?:best|kind|warm|many thanks|thanks|thank you|regards|cheers|sincerely|yours)\b[^\n]{0,30}(?:\n[^\n]{0,60}){0,3}\s*$",
    re.I,
)
_SIGNOFF_TAIL = 240  # a sign-off is looked for only at the end of the message


def _placeholder(m: re.Match) -> str:
    return f" <{m.lastgroup}> "


def normalise_template(text: str, names: Iterable[str] = ()) -> str:
    """Lower-cased words of the message with greeting, sign-off, names, numbers, links and handles removed."""
    text = unicodedata.normalize("NFKC", text[:MAX_TEXT_CHARS])
    text = _GREETING.sub(" ", text, count=1)
    head, tail = text[:-_SIGNOFF_TAIL], text[-_SIGNOFF_TAIL:]
    text = head + _SIGNOFF.sub("\n", tail, count=1)
    text = _TOKENS.sub(_placeholder, text).casefold()
    drop = {w.casefold() for n in names for w in _WORD.findall(n or "") if len(w) > 1}
    return " ".join(w for w in _WORD.findall(text) if w not in drop)


def shingles(normalised: str) -> list[int]:
    """Sorted distinct 32-bit ids of the word 3-grams: CRC-32 of each word (stable across processes, unlike
    hash()), combined arithmetically per 3-gram."""
    words = normalised.split()
    if len(words) < SHINGLE_WORDS:
        return []
    h = [zlib.crc32(w.encode("utf-8")) for w in words]
    grams = zip(h, h[1:], h[2:], strict=False)
    return sorted({(a * 0x9E3779B1 + b * 0x85EBCA77 + c) & 0xFFFFFFFF for a, b, c in grams})


def jaccard(a: list[int] | tuple[int, ...], b: list[int] | tuple[int, ...]) -> float:
    """Exact Jaccard similarity of two shingle-id sets (the verification step after LSH)."""
    sa, sb = set(a), set(b)
    if not sa or not sb:
        return 0.0
    inter = len(sa & sb)
    return inter / (len(sa) + len(sb) - inter)
