"""Script reuse at sentence level, and the organisation a sender claims in the text.

Rotated personas (a new name, URL and photo per target) keep the operator's script: the same sentences,
verbatim or lightly reworded, and the same claimed firm or event. Each sentence of the first inbound
message (the semantic layer's bounded splitter) gives "script" keys: the normalised sentence itself
(quoted as evidence) and the LSH band keys of a datasketch MinHash of its word 2-grams (light paraphrase).
Stock sentences are learned from the corpus: a key shared by more than MAX_SCRIPT_NODES senders is
common and links nobody (see evidence.MAX_NODES). All work is bounded: the first SCRIPT_CHARS characters,
at most MAX_SENTENCES sentences of at most 400 characters.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Iterable

import numpy as np

from lurewatch.linking.minhash import signature
from lurewatch.linking.normalise import normalise_template
from lurewatch.semantic.sentences import split_sentences

SCRIPT_CHARS = 8000
MAX_SENTENCES = 30
MIN_WORDS = 8  # shorter sentences ("Thanks for connecting.") are never script evidence
MAX_KEY_CHARS = 160  # the quoted normalised sentence in a key
SENTENCE_BANDS = 8  # 8 bands x 8 rows of the 64-permutation signature: P(candidate) 0.98 at Jaccard 0.9,
SENTENCE_ROWS = 8  # 0.57 at 0.75, 0.03 at 0.5 (keys are not verified, so the bands are strict)
CLAIM_CHARS = 4000

# A claimed organisation: a trigger phrase, then a run of capitalised words. Every run is a single pass
# (words are separated by exactly one space or "&"/"of"/"for"/"and" joiners, no nested optional parts),
# so no pattern can backtrack more than linearly.
_NAME = r"((?:[A-Z][\w.'&-]{0,30})(?:[ ](?:of|for|and|&|de|der|the)?[ ]?[A-Z][\w.'&-]{0,30}){0,5})"
_CLAIM = re.compile(
    r"\b(?:(?:I\s+am|I'm|I\s+work|I\s+lead|I\s+head|we\s+are|I\s+represent|I'm\s+writing)\s+"
    r"(?:[\w-]{1,20}\s+){0,4}?(?:at|with|for|from)\s+(?:the\s+)?" + _NAME
    + r"|on\s+behalf\s+of\s+(?:the\s+)?" + _NAME + r"|(?:representing|invited\s+to)\s+(?:the\s+)?" + _NAME
    + r"|(?:[Oo]ur|[Mm]y)\s+(?:firm|company|fund|institute|think\s+tank|consultancy|agency|foundation|forum)"
    r",?\s+(?:the\s+)?" + _NAME + r")"
)
# A recruiter naming the client they hire for ("I am recruiting for a role at X") claims nothing about themselves.
_NOT_SELF = re.compile(r"\b(?:recruit(?:ing|s|ed)?|hiring|hire|looking|search\w*|working|position|role|vacanc\w*|opening|job|"
                       r"client|customer|partner\s+of|interested|talking|speaking|meeting|visiting)\b", re.I)
_CLAIM_STOP = frozenset({"i", "we", "linkedin", "you", "your", "our", "my", "a", "an", "the", "this", "mr", "ms"})


def _sentence_bands(words: list[str]) -> list[str]:
    ids = sorted({zlib.crc32((a + " " + b).encode("utf-8")) for a, b in zip(words, words[1:], strict=False)})
    hv = np.asarray(signature(ids), dtype=np.uint64)
    out = []
    for b in range(SENTENCE_BANDS):
        rows = hv[b * SENTENCE_ROWS : (b + 1) * SENTENCE_ROWS].tobytes()
        out.append(f"~{b}:" + hashlib.blake2b(bytes([b]) + rows, digest_size=8).hexdigest())
    return out


def script_keys(text: str, names: Iterable[str] = (), orgs: Iterable[str] = (),
                bands: bool = True) -> set[tuple[str, str]]:
    """("script", normalised sentence) and, with `bands`, ("script", "~band:hash") keys of the sentences of `text`.

    A sentence naming one of `orgs` (the sender's profile employer or claimed organisation) is skipped: it is
    the organisation evidence itself ("I am a consultant at X and we are hiring"), not a second, script one.
    """
    out: set[tuple[str, str]] = set()
    if not text:
        return out
    names = list(names)
    own = [f" {o} " for o in (normalise_template(x[:200]) for x in orgs if x) if o]
    for s in split_sentences(text[:SCRIPT_CHARS], max_sentences=MAX_SENTENCES, max_chars=400):
        norm = normalise_template(s, names)
        words = norm.split()
        if len(words) < MIN_WORDS or any(o in f" {norm} " for o in own):
            continue
        out.add(("script", " ".join(words)[:MAX_KEY_CHARS]))
        if bands:
            out.update(("script", k) for k in _sentence_bands(words))
    return out


def claimed_org(text: str) -> str:
    """The first organisation the sender claims in the text ("I work with X", "on behalf of the Y Summit"),
    or "" (raw; strip it with employer.strip_employer)."""
    for m in _CLAIM.finditer(text[:CLAIM_CHARS]):
        k = next((i for i, g in enumerate(m.groups(), 1) if g), 0)
        if not k or _NOT_SELF.search(m.string, m.start(), m.start(k)):
            continue
        name = m.group(k)
        words = name.split()
        while words and words[-1].casefold() in _CLAIM_STOP | {"of", "for", "and", "&", "de", "der"}:
            words.pop()
        claim = " ".join(words).rstrip(".,'&-")
        if words and words[0].casefold() not in _CLAIM_STOP and len(claim) >= 3:
            return claim
    return ""
