"""Make adversary-written text safe to show in a terminal (HTML escaping is Jinja2's autoescape)."""

from __future__ import annotations

import re

# C0/C1 controls (terminal escape sequences start with ESC) and bidirectional overrides that can make
# text read differently from what it is ("Trojan Source"). Newlines and tabs are kept.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str, limit: int | None = None) -> str:
    out = _UNSAFE.sub("\ufffd", text)
    if limit is not None and len(out) > limit:
        out = out[: limit - 1] + "…"
    return out
