"""The watchlist finding provider: organisations on a loaded list named in an approach (LW-WATCH-001)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from lurewatch.model import Approach, Finding
from lurewatch.scoring.providers import ScanContext
from lurewatch.store import default_db_path
from lurewatch.watchlists.matcher import Match, WatchlistIndex
from lurewatch.watchlists.storage import WatchlistStore, has_lists

INDICATOR = "LW-WATCH-001"
TITLE = "Organisation on a watchlist"
BASE_WEIGHT = 40.0
RISK_FACTOR = {"high": 1.0, "medium": 0.7, "low": 0.4}
RATIONALE = (
    "The approach names an organisation that appears on a list you loaded (sanctions, export-control or "
    "research-security list). Where a request leads is evidence about behaviour; check the entry and the "
    "context before acting, as a name can be shared by unrelated bodies."
)


def approach_fields(a: Approach) -> Iterator[tuple[str, str, bool]]:
    """(field, text, is_name_field) for every place an organisation may be named."""
    for i, m in enumerate(a.messages):
        if m.inbound:
            yield f"message[{i}]", f"{m.subject}\n{m.text}" if m.subject else m.text, False
    if a.invitation_note:
        yield "invitation_note", a.invitation_note, False
    p = a.profile
    if p is not None:
        yield "profile.headline", p.headline, False
        yield "profile.summary", p.summary, False
        for j, pos in enumerate(p.positions):
            yield f"profile.work[{j}].name", pos.company, True
            yield f"profile.work[{j}].summary", pos.summary, False
        for j, edu in enumerate(p.education):
            yield f"profile.education[{j}].institution", edu.company, True
    ad = a.advert
    if ad is not None:
        yield "advert.company_profile", ad.company_profile, False
        yield "advert.title", ad.title, False
        yield "advert.description", ad.description, False
        yield "advert.benefits", ad.benefits, False


def finding_for(m: Match, where: str) -> Finding:
    e = m.entry
    alias = f'alias "{m.key}", ' if m.key != e.name else ""
    source = f", source {e.source_url}" if e.source_url else ""
    matched = " ".join(m.text.split())  # one line, even when the name was split across lines
    evidence = f'"{matched}" ~ "{e.name}" ({alias}list {e.list_name}, score {m.score}{source})'
    weight = BASE_WEIGHT * (m.score / 100.0) * RISK_FACTOR.get(e.risk, 1.0)
    return Finding(INDICATOR, TITLE, "destination", weight, evidence, RATIONALE, where)


ADVICE = (
    "Check the named organisation against the list entry and its source. Do not share work, travel or accept "
    "payment at its invitation before your security team has reviewed the approach."
)


class WatchlistProvider:
    name = "watchlists"
    advice = ADVICE

    def __init__(self, index: WatchlistIndex) -> None:
        self.index = index

    def findings(self, approach: Approach) -> list[Finding]:
        best: dict[int, tuple[Match, str]] = {}
        for where, text, name_field in approach_fields(approach):
            if not text:
                continue
            for m in self.index.match_text(text, name_field=name_field):
                key = id(m.entry)
                if key not in best or m.score > best[key][0].score:
                    best[key] = (m, where)
        return [finding_for(m, where) for m, where in sorted(best.values(), key=lambda x: -x[0].score)]


def _db_url(ctx: ScanContext) -> str | None:
    """The store's URL, without creating a database that does not exist yet."""
    if ctx.db_url:
        return ctx.db_url
    value = os.environ.get("LUREWATCH_DATABASE_URL") or os.environ.get("LUREWATCH_DB")
    if value and "://" in value:
        return value
    path = Path(value).expanduser() if value else default_db_path()
    return f"sqlite:///{path}" if path.is_file() else None


def build(ctx: ScanContext) -> WatchlistProvider | None:
    """A provider when ctx's database holds a list; None otherwise (scans without lists cost nothing)."""
    url = _db_url(ctx)
    if url is None or (url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).is_file()):
        return None
    if not has_lists(url):
        return None
    store = WatchlistStore(url)
    sig = store.signature()
    cached = _CACHE.get(url)
    if cached is None or cached[0] != sig:  # the server rebuilds its analyser often: reuse an unchanged index
        cached = _CACHE[url] = (sig, store.index())
    store.engine.dispose()
    return WatchlistProvider(cached[1]) if len(cached[1]) else None


_CACHE: dict[str, tuple[tuple[tuple[str, str, int], ...], WatchlistIndex]] = {}
