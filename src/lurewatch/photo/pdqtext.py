"""The one text form of a PDQ hash, and the thresholds every part of lurewatch matches PDQ hashes with.

The form is ThreatExchange's (`Hash256Format` in Meta's reference code, and what python-threatexchange
writes): the 256-bit hash as 16 words of 16 bits, word 15 first, each as 4 lower-case hex digits; bit k of
the hash is bit (k % 16) of word k // 16. `pdqhash.compute` returns the bits most significant first
(bit 255 first), so the text is simply those 256 bits read as one binary number. Everything that writes or
reads a hash (photo checks, the photo store, linking, STIX/MISP, shared indicators) uses this module, so a
peer's standard hash matches ours. Light on purpose: no image libraries imported.
"""

from __future__ import annotations

from collections.abc import Sequence

MATCH_DISTANCE = 31  # Meta's guidance: a match is Hamming distance <= 31 ...
MIN_QUALITY = 50  # ... between hashes of quality >= 50
HEX_DIGITS = 64


def to_hex(bits: Sequence[int]) -> str:
    """Text form of the 256 bits `pdqhash.compute` returns (most significant first)."""
    if len(bits) != 256:
        raise ValueError("a PDQ hash has 256 bits")
    value = 0
    for b in bits:
        value = (value << 1) | (1 if int(b) else 0)
    return f"{value:064x}"


def to_bits(hex_: str) -> list[int]:
    """The 256 bits of a hash in text form, most significant first (the inverse of `to_hex`)."""
    if not is_valid(hex_):
        raise ValueError("a PDQ hash is 64 hexadecimal digits")
    value = int(hex_, 16)
    return [(value >> (255 - i)) & 1 for i in range(256)]


def is_valid(value: str) -> bool:
    if len(value) != HEX_DIGITS:
        return False
    try:
        int(value, 16)
    except ValueError:
        return False
    return True


def distance(a_hex: str, b_hex: str) -> int:
    """Hamming distance between two hashes in text form."""
    if len(a_hex) != HEX_DIGITS or len(b_hex) != HEX_DIGITS:
        raise ValueError("a PDQ hash is 64 hexadecimal digits")
    return (int(a_hex, 16) ^ int(b_hex, 16)).bit_count()


def from_legacy(hex_: str) -> str:
    """The text form of a hash that lurewatch's photo checks wrote before December 2026 (16-bit words built
    from the bits in the order pdqhash returns them, last word first): the same bits, in ThreatExchange's
    order. Used by the migration that re-encodes stored hashes (and its downgrade: `to_legacy`)."""
    if not is_valid(hex_):
        raise ValueError("a PDQ hash is 64 hexadecimal digits")
    words = [int(hex_[i * 4:(i + 1) * 4], 16) for i in range(16)][::-1]
    bits = [(words[j] >> k) & 1 for j in range(16) for k in range(16)]
    return to_hex(bits)


def to_legacy(hex_: str) -> str:
    bits = to_bits(hex_)
    words = [sum(bits[16 * j + k] << k for k in range(16)) for j in range(16)]
    return "".join(f"{w:04x}" for w in words[::-1])
