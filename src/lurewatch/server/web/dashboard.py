"""The board dashboard: the management report (lurewatch.reports) as a page, with its charts as PNGs.

The report data is computed from the stored approaches and the server's cases, and kept in memory for
`TTL` seconds per (database, since, until), so that one page load with its charts computes it once.
Campaigns are the cases' campaign labels (set by analysts or by a linking job), not a new linking run.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select

from lurewatch.server import audit
from lurewatch.server.auth import User
from lurewatch.server.deps import require, state
from lurewatch.server.tables import approaches, case_approaches, cases
from lurewatch.server.web.pages import render

router = APIRouter()
analyst = require("analyst")

TTL = 60.0  # seconds a computed report is reused
MAX_CACHED = 16  # distinct (database, period) entries kept
MAX_APPROACHES = 1_000_000  # bound on the rows read for one report
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
MAX_SPAN_DAYS = 366 * 10  # the weekly chart of a longer period would be unreadable (and slow to draw)
CHARTS = {  # name -> alt text
    "weekly": "Bar chart: approaches per week, stacked by risk level (high risk hatched)",
    "teams": "Bar chart: approaches by team, high-risk part hatched",
    "sectors": "Bar chart: approaches by sensitive sector, high-risk part hatched",
    "indicators": "Bar chart: the most common warning signs, by number of approaches",
    "campaigns": "Line chart: cumulative approaches of the largest campaigns, per week",
    "triage": "Histogram: hours from report to first triage decision, with the median marked",
}


@dataclass
class _Entry:
    at: float
    data: Any
    charts: dict[str, bytes] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


_cache: dict[tuple[str, date | None, date | None], _Entry] = {}
_cache_lock = threading.Lock()
_key_locks = [threading.Lock() for _ in range(8)]  # a fixed pool: the period keys come from the user


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        d = date.fromisoformat(value[:10]) if len(value) == 10 else None
    except ValueError:
        d = None
    if d is None:
        raise HTTPException(400, f"{name} must be a date like 2026-01-31")
    if not EARLIEST <= d <= LATEST:
        raise HTTPException(400, f"{name} must be between {EARLIEST} and {LATEST}")
    return d


def period(since: str | None, until: str | None) -> tuple[date | None, date | None]:
    """The validated period (400 on a bad date, a reversed or too long period)."""
    start, end = _day(since, "since"), _day(until, "until")
    if start and end and start > end:
        raise HTTPException(400, "since must not be after until")
    if start and end and (end - start).days > MAX_SPAN_DAYS:
        raise HTTPException(400, "the period must be at most 10 years")
    return start, end


def _load(conn: Any, start: date | None, end: date | None) -> tuple[list[dict[str, Any]], list[Any]]:
    """Approach contract dicts (sector from the case when unknown) and campaign dicts from case labels."""
    stmt = (select(approaches.c.data, cases.c.sector, cases.c.campaign)
            .outerjoin(case_approaches, case_approaches.c.approach_id == approaches.c.approach_id)
            .outerjoin(cases, cases.c.id == case_approaches.c.case_id))
    # a day of slack each side (time zones); build_report_data applies the exact period
    if start:
        stmt = stmt.where(approaches.c.first_contact >= _midnight(start - timedelta(days=1)))
    if end:
        stmt = stmt.where(approaches.c.first_contact < _midnight(end + timedelta(days=2)))
    stmt = stmt.order_by(approaches.c.first_contact.desc()).limit(MAX_APPROACHES)
    items: list[dict[str, Any]] = []
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for data, sector, campaign in conn.execute(stmt):
        a = data if isinstance(data, dict) else json.loads(data)
        if not isinstance(a, dict):
            continue
        if not a.get("owner_sector") and sector:
            a = {**a, "owner_sector": sector}
        items.append(a)
        if campaign:
            groups[campaign].append(a)
    return items, [_campaign(name, members) for name, members in groups.items()]


def _midnight(d: date) -> datetime:
    return datetime.combine(d, dtime(), UTC)


def _campaign(name: str, members: list[dict[str, Any]]) -> dict[str, Any]:
    times = sorted(str(a["first_contact"]) for a in members if a.get("first_contact"))
    return {
        "campaign_id": name,
        "size": len(members),
        "senders": sorted({str(a.get("sender_profile_url") or a.get("sender_name") or "") for a in members}),
        "targets": sorted({str(a["owner_profile_url"]) for a in members if a.get("owner_profile_url")}),
        "first_seen": times[0][:10] if times else None,
        "last_seen": times[-1][:10] if times else None,
        "approaches": [{"first_contact": a.get("first_contact")} for a in members],
    }


def _entry(request: Request, start: date | None, end: date | None) -> _Entry:
    from lurewatch.reports import build_report_data, load_cases

    db = state(request).db
    key = (db.url, start, end)
    hit = _cache.get(key)
    if hit and time.monotonic() - hit.at < TTL:
        return hit
    # the page and its charts arrive together: one computes, the others wait
    with _key_locks[hash(key) % len(_key_locks)]:
        hit = _cache.get(key)
        if hit and time.monotonic() - hit.at < TTL:
            return hit
        with db.read() as conn:
            items, camps = _load(conn, start, end)
        audit.chain(db.engine)  # triage times come from the audit log: chain the queued entries first
        data = build_report_data(items, load_cases(engine=db.engine), since=start, until=end, campaigns=camps)
        entry = _Entry(time.monotonic(), data)
        with _cache_lock:
            now = time.monotonic()
            for k in [k for k, e in _cache.items() if now - e.at >= TTL]:
                del _cache[k]
            while len(_cache) >= MAX_CACHED:
                del _cache[min(_cache, key=lambda k: _cache[k].at)]
            _cache[key] = entry
        return entry


def _charts(entry: _Entry) -> dict[str, bytes]:
    from lurewatch.reports import render_charts

    with entry.lock:
        if entry.charts is None:
            entry.charts = render_charts(entry.data)
        return entry.charts


def _chart_names(data: Any) -> list[str]:
    """The charts render_charts draws for this data (without drawing them)."""
    have = {"weekly": bool(data.weeks), "teams": bool(data.by_team), "sectors": bool(data.by_sector),
            "indicators": bool(data.top_indicators), "campaigns": bool(data.campaigns and data.weeks),
            "triage": bool(data.triage and data.triage.hours)}
    return [n for n in CHARTS if have[n]]


@router.get("/dashboard")
def dashboard(request: Request, since: str = "", until: str = "", user: User = Depends(analyst)) -> Response:
    start, end = period(since[:40], until[:40])
    data = _entry(request, start, end).data
    query = urlencode({k: v.isoformat() for k, v in (("since", start), ("until", end)) if v})
    suffix = f"?{query}" if query else ""
    charts = [{"name": n, "alt": CHARTS[n], "src": f"/dashboard/charts/{n}.png{suffix}"}
              for n in _chart_names(data)]
    return render(request, "dashboard.html", user, d=data, charts=charts, since=start, until=end)


@router.get("/dashboard/charts/{name}.png")
def dashboard_chart(name: str, request: Request, since: str = "", until: str = "",
                    user: User = Depends(analyst)) -> Response:
    if name not in CHARTS:
        raise HTTPException(404, "no such chart")
    start, end = period(since[:40], until[:40])
    png = _charts(_entry(request, start, end)).get(name)
    if png is None:
        raise HTTPException(404, "no data for this chart in this period")
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})
