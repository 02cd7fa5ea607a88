"""PLACEHOLDER until the encoder branch lands."""

import re

_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")


def split_sentences(text: str, max_sentences: int = 40, max_chars: int = 400) -> list[str]:
    out = []
    for s in _SPLIT.split(text[:20000]):
        s = s.strip()
        if len(s) > 15:
            out.append(s[:max_chars])
            if len(out) >= max_sentences:
                break
    return out
