"""Scan-time evidence from shared intelligence: an approach whose persona, pivots or photo match a
watch indicator imported from a peer (STIX, TAXII, MISP) gets finding LW-SHARED-001 naming the
indicator, its source organisation and its TLP.

Registered as the entry point `shared-intelligence` of the group `lurewatch.providers` (pyproject.toml).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import inspect

from lurewatch.model import Approach, Finding
from lurewatch.photo.pdqtext import MATCH_DISTANCE as PDQ_MAX_DISTANCE
from lurewatch.scoring.providers import ScanContext
from lurewatch.sharing import observables
from lurewatch.sharing.watch import WatchIndicator, WatchStore, watch_indicators

INDICATOR = "LW-SHARED-001"
CATEGORY = "shared-intelligence"
WEIGHT = {"linkedin-url": 60.0, "sha256": 60.0, "pdq": 50.0}  # the persona itself
PIVOT_WEIGHT = 45.0  # an off-platform contact point the persona gave elsewhere


class SharedIntelProvider:
    name = "shared-intelligence"

    def __init__(self, indicators: list[WatchIndicator]) -> None:
        self.index: dict[tuple[str, str], list[WatchIndicator]] = defaultdict(list)
        for w in indicators:
            self.index[(w.type, w.value)].append(w)
        self.pdqs = [w for w in indicators if w.type == "pdq"]
        self.want_photo = any(w.type in ("sha256", "pdq") for w in indicators)

    def _candidates(self, a: Approach) -> list[tuple[str, str, str]]:
        """(type, normalised value, field) of everything in the approach that can match."""
        out: list[tuple[str, str, str]] = []

        def add(type_: str, raw: str | None, where: str) -> None:
            if raw and (v := observables.normalise(type_, raw)):
                out.append((type_, v, where))

        add("linkedin-url", a.sender_profile_url, "sender_profile_url")
        p = a.profile
        if p is not None:
            add("linkedin-url", p.url, "profile.url")
            for u in p.urls:
                add("linkedin-url", u, "profile.urls")
                add("url", u, "profile.urls")
            add("email", p.email, "profile.email")
            add("phone", p.phone, "profile.phone")
        for i, m in enumerate(a.messages):
            if not m.inbound:
                continue
            add("linkedin-url", m.sender_profile_url, f"message[{i}].sender_profile_url")
            for o in observables.extract_cached(f"{m.subject}\n{m.text}"):
                out.append((o.type, o.value, f"message[{i}]"))
        if a.invitation_note:
            for o in observables.extract_cached(a.invitation_note):
                out.append((o.type, o.value, "invitation_note"))
        return out

    def _photo(self, a: Approach) -> list[tuple[str, str, str, int]]:
        """(type, value, field, distance) matches of the sender's photo."""
        if not self.want_photo or a.profile is None or not a.profile.photo:
            return []
        h = _hash_photo(a.profile.photo)
        if h is None:
            return []
        sha, pdq = h
        out: list[tuple[str, str, str, int]] = []
        if sha and ("sha256", sha) in self.index:
            out.append(("sha256", sha, "profile.photo", 0))
        if pdq:
            for w in self.pdqs:
                d = (int(pdq, 16) ^ int(w.value, 16)).bit_count()
                if d <= PDQ_MAX_DISTANCE:
                    out.append(("pdq", w.value, "profile.photo", d))
        return out

    def matches(self, approach: Approach) -> list[tuple[WatchIndicator, str, int]]:
        """Every (indicator, field, PDQ distance or -1) the approach matches, strongest first."""
        out: list[tuple[WatchIndicator, str, int]] = []
        seen: set[tuple[str, str]] = set()
        hits = [(t, v, f, -1) for t, v, f in self._candidates(approach)] + self._photo(approach)
        for type_, value, where, dist in hits:
            for w in self.index.get((type_, value), []):
                if (w.source, w.stix_id or w.value) not in seen:
                    seen.add((w.source, w.stix_id or w.value))
                    out.append((w, where, dist))
        out.sort(key=lambda m: -WEIGHT.get(m[0].type, PIVOT_WEIGHT))
        return out

    def findings(self, approach: Approach) -> list[Finding]:
        """One LW-SHARED-001 finding (the pipeline keeps one per indicator id): the strongest match,
        with every other match listed in its evidence."""
        ms = self.matches(approach)
        return [_finding(ms)] if ms else []


def _describe(w: WatchIndicator, dist: int) -> str:
    near = f" at PDQ distance {dist}" if w.type == "pdq" and dist >= 0 else ""
    conf = f", confidence {w.confidence}" if w.confidence is not None else ""
    return (
        f"{w.type} {w.value}{near} matches indicator {w.stix_id or '(no id)'} from {w.source} "
        f"(TLP:{w.tlp.upper()}{conf})"
    )


def _finding(ms: list[tuple[WatchIndicator, str, int]]) -> Finding:
    w, where, dist = ms[0]
    persona = w.type in WEIGHT
    what = {"linkedin-url": "persona profile", "sha256": "profile photo", "pdq": "profile photo (PDQ)"}.get(
        w.type, w.type
    )
    evidence = "; ".join(_describe(m[0], m[2]) for m in ms[:6])
    if len(ms) > 6:
        evidence += f"; and {len(ms) - 6} more"
    return Finding(
        indicator=INDICATOR,
        title=f"Matches shared intelligence: {what} reported by {w.source}",
        category=CATEGORY,
        weight=WEIGHT.get(w.type, PIVOT_WEIGHT),
        evidence=evidence,
        field=where,
        rationale=(
            "Another organisation has shared this "
            + ("persona" if persona else "contact point")
            + " as part of a suspected hostile-state approach. Handle the match under the indicator's TLP."
        ),
    )


def _hash_photo(path: str) -> tuple[str | None, str | None] | None:
    from lurewatch.linking.photos import hash_photo, pdq_usable

    h = hash_photo(path)
    if h is None:
        return None
    return h.sha256, (h.pdq if pdq_usable(h.pdq, h.quality) else None)


def build(ctx: ScanContext) -> SharedIntelProvider | None:
    """The provider over the watch indicators in ctx.db_url, or None when there are none."""
    if not ctx.db_url:
        return None
    store = WatchStore(ctx.db_url) if _has_table(ctx.db_url) else None
    if store is None:
        return None
    items = list(store)
    return SharedIntelProvider(items) if items else None


def _has_table(db_url: str) -> bool:
    from sqlalchemy import create_engine

    from lurewatch.store.db import resolve_db

    eng = create_engine(resolve_db(db_url), future=True)
    try:
        return inspect(eng).has_table(watch_indicators.name)
    finally:
        eng.dispose()
