"""Claimed employers: strip legal suffixes, then cluster near-identical names with rapidfuzz."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable

from rapidfuzz import fuzz, process

FUZZY_MIN = 92  # rapidfuzz token_sort_ratio (0-100) for two stripped names to be one employer
MAX_NAME = 120

_LEGAL = re.compile(
    r"\b(?:ltd|limited|llc|l\.l\.c|inc|incorporated|corp|corporation|co|company|plc|gmbh|ag|sa|sas|sarl|bv|"
    r"nv|srl|spa|pte|pty|llp|lp|kk|oy|ab|as|group|holdings?|international|intl|the)\b\.?",
    re.I,
)
_NONWORD = re.compile(r"[^\w]+")


def strip_employer(name: str | None) -> str:
    """'The Global Insight Partners, Ltd.' -> 'global insight partners' (casefolded, no legal suffix)."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKC", name[:MAX_NAME]).casefold().replace("&", " and ")
    text = _LEGAL.sub(" ", text)
    return " ".join(_NONWORD.sub(" ", text).split())


def cluster_employers(names: Iterable[str]) -> dict[str, str]:
    """Map each stripped employer name to a cluster key (the smallest name of its fuzzy cluster).

    Names are compared only within a block sharing their first three letters (so the cost stays near-linear),
    and joined by union-find when token_sort_ratio >= FUZZY_MIN. Deterministic: output depends only on the set.
    """
    distinct = sorted({n for n in names if n})
    blocks: dict[str, list[str]] = defaultdict(list)
    for n in distinct:
        blocks[n.replace(" ", "")[:3]].append(n)
    parent = {n: n for n in distinct}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for block in blocks.values():
        if len(block) < 2:
            continue
        scores = process.cdist(block, block, scorer=fuzz.token_sort_ratio, score_cutoff=FUZZY_MIN, workers=1)
        digits = [tuple(t for t in n.split() if any(c.isdigit() for c in t)) for n in block]
        for i, j in zip(*scores.nonzero(), strict=True):
            if i < j and digits[i] == digits[j]:  # "Unit 61398" is not "Unit 61486"
                ri, rj = find(block[i]), find(block[j])
                if ri != rj:
                    parent[max(ri, rj)] = min(ri, rj)
    return {n: find(n) for n in distinct}
