"""One compact linking record per approach, extracted once from a contract dict (the same code in both engines)."""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from lurewatch.linking.employer import strip_employer
from lurewatch.linking.evidence import jaccard_sets
from lurewatch.linking.minhash import band_keys
from lurewatch.linking.normalise import MIN_SHINGLES, normalise_template, shingles
from lurewatch.linking.photos import pdq_usable
from lurewatch.linking.pivots import extract_pivots
from lurewatch.linking.script import claimed_org, script_keys
from lurewatch.urls import normalise_profile_url

EXCERPT_CHARS = 240
MAX_MESSAGES = 50  # inbound messages scanned for pivots per approach
STOCK_JACCARD = 0.5  # a text this close to a stock template carries no template evidence

# Stock texts everyone uses (LinkedIn's suggested InMail / invitation wording). Near-duplicates of these are
# never template evidence: two recruiters using the default InMail are not one campaign.
STOCK_TEMPLATES = (
    "I came across your profile and thought you might be a great fit for a role I'm working on. "
    "Would you be open to a quick chat about it? I'd love to tell you more about the opportunity.",
    "Your background caught my eye and I think you could be a great fit for an opportunity at our company. "
    "Are you open to new opportunities? Let me know if you'd be interested in learning more.",
    "I'd like to add you to my professional network on LinkedIn.",
    "I'm reaching out because your experience looks like a strong match for a position we are hiring for. "
    "If you are interested, I would be happy to share the job description and discuss next steps.",
)


@dataclass(slots=True)
class Record:
    approach_id: str
    node: str  # "s:<sender url>" or, without a sender URL, "a:<approach id>"
    sender: str | None
    sender_label: str
    owner: str | None
    org: str | None
    sector: str | None
    t: int | None  # first inbound contact, epoch seconds UTC
    level: str
    score: int
    conversation_id: str | None
    excerpt: str
    tid: str | None = None  # id of the template's shingle set (None: too short or a stock template)
    shingles: bytes = b""  # sorted distinct uint32 shingle ids, packed little-endian (compact for 1M records)
    bands: bytes = b""  # the MinHash LSH band keys, int64 little-endian
    keys: list[str] = field(default_factory=list)  # "kind\tvalue" strong keys (pivots, photo hashes)
    pdq: str | None = None
    employer: str = ""  # the profile's employer, stripped (employer.strip_employer)
    claim: str = ""  # the organisation claimed in the first message, stripped

    @property
    def flagged(self) -> bool:
        return self.level in ("medium", "high")


def parse_time(value: Any) -> int | None:
    if not value or not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp())


@lru_cache(maxsize=1)
def _stock_shingles() -> tuple[frozenset[int], ...]:
    return tuple(frozenset(shingles(normalise_template(t))) for t in STOCK_TEMPLATES)


def _is_stock(sh: list[int]) -> bool:
    s = frozenset(sh)
    return any(jaccard_sets(s, stock) >= STOCK_JACCARD for stock in _stock_shingles())


def pack(sh: list[int]) -> bytes:
    return struct.pack(f"<{len(sh)}I", *sh)


def unpack(data: bytes) -> tuple[int, ...]:
    return struct.unpack(f"<{len(data) // 4}I", data)


def unpack_bands(data: bytes) -> tuple[int, ...]:
    return struct.unpack(f"<{len(data) // 8}q", data)


def tid_of(sh: list[int]) -> str:
    return hashlib.sha1(struct.pack(f"<{len(sh)}I", *sh)).hexdigest()[:20]


def _str(value: Any, limit: int = 500) -> str:
    return value[:limit] if isinstance(value, str) else ""


def extract(d: dict[str, Any]) -> Record:
    """Build the linking record of one contract dict (optional extension keys: see docs/linking.md)."""
    aid = _str(d.get("approach_id"), 100)
    if not aid:
        raise ValueError("approach without approach_id")
    sender = normalise_profile_url(_str(d.get("sender_profile_url")) or None)
    owner = normalise_profile_url(_str(d.get("owner_profile_url")) or None)
    raw_msgs = d.get("messages") if isinstance(d.get("messages"), list) else []
    msgs = [m for m in raw_msgs[:MAX_MESSAGES] if isinstance(m, dict)]
    inbound = [m for m in msgs if m.get("inbound", True)]
    names = {_str(m.get("from"), 200) for m in msgs} | {_str(d.get("sender_name"), 200)}
    first = inbound[0] if inbound else None
    t = parse_time(d.get("first_contact")) or (parse_time(first.get("sent_at")) if first else None)
    first_text = _str(first.get("text"), 20_000) if first else ""
    rec = Record(
        approach_id=aid,
        node=f"s:{sender}" if sender else f"a:{aid}",
        sender=sender,
        sender_label=sender or _str(d.get("sender_name"), 200) or aid,
        owner=owner,
        org=(_str(d.get("owner_org"), 200).strip() or None),
        sector=(_str(d.get("owner_sector"), 200).strip() or None),
        t=t,
        level=d.get("level") if d.get("level") in ("low", "medium", "high") else "low",
        score=int(d.get("score") or 0) if isinstance(d.get("score"), int | float) else 0,
        conversation_id=_str(d.get("conversation_id"), 255) or None,
        excerpt=" ".join(first_text[: EXCERPT_CHARS * 2].split())[:EXCERPT_CHARS],
    )
    sh = shingles(normalise_template(first_text, names)) if first_text else []
    if len(sh) >= MIN_SHINGLES and not _is_stock(sh):
        rec.shingles, rec.tid = pack(sh), tid_of(sh)
        keys_ = band_keys(sh)
        rec.bands = struct.pack(f"<{len(keys_)}q", *keys_)
    keys: set[tuple[str, str]] = set()
    for m in inbound:
        keys |= extract_pivots(_str(m.get("subject"), 1000) + "\n" + _str(m.get("text"), 20_000))
    for extra in ("sender_email", "sender_phone", "sender_website"):
        if _str(d.get(extra)):
            keys |= extract_pivots(_str(d.get(extra)))
    sha = _str(d.get("sender_photo_sha256"), 64).lower()
    if len(sha) == 64:
        keys.add(("photo_sha256", sha))
    pdq = _str(d.get("sender_photo_pdq"), 64).lower()
    quality = d.get("sender_photo_quality")
    if pdq_usable(pdq, int(quality) if isinstance(quality, int | float) else 0):
        rec.pdq = pdq
        keys.add(("photo_pdq", pdq))
    employer, claim = _str(d.get("sender_employer"), 200), claimed_org(first_text)  # "I work with X"
    rec.employer, rec.claim = strip_employer(employer), strip_employer(claim)
    if rec.org and rec.claim == strip_employer(rec.org):
        rec.claim = ""  # naming the recipient's own organisation is no claim about the sender
    # Script sentences: exact and MinHash band keys for flagged approaches; exact keys only for the others,
    # which count towards a sentence being stock and link only to a flagged approach (evidence.linkable)
    keys |= script_keys(first_text, names, (employer, claim), bands=rec.flagged)
    rec.keys = sorted(f"{k}\t{v}" for k, v in keys)
    return rec
