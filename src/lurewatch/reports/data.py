"""The numbers of a management report, computed from approach contract dicts (and cases, campaigns).

Pure computation, no I/O: the CLI, the server dashboard and the tests all call `build_report_data`.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

LEVELS = ("high", "medium", "low")
UNKNOWN = "unknown"
TREND_WEEKS = 4  # the trend compares the last 4 weeks with the 4 weeks before


@dataclass(slots=True)
class GroupRow:
    name: str
    approaches: int
    targets: int  # distinct people approached
    high: int


@dataclass(slots=True)
class IndicatorRow:
    indicator: str
    title: str
    approaches: int  # approaches with at least one finding of this indicator


@dataclass(slots=True)
class ExampleRow:
    first_contact: str
    level: str
    score: int
    team: str
    sector: str
    signs: list[tuple[str, str]]  # (finding title, evidence) of the strongest findings


@dataclass(slots=True)
class CampaignRow:
    campaign_id: str
    size: int
    senders: int
    targets: int
    first_seen: str | None
    last_seen: str | None
    recent: int  # approaches in the last TREND_WEEKS weeks of the report period
    previous: int  # approaches in the TREND_WEEKS weeks before
    weekly: list[int] = field(default_factory=list)  # per report week


@dataclass(slots=True)
class TriageStats:
    cases: int
    triaged: int
    median_hours: float | None
    p90_hours: float | None
    untriaged: int
    hours: list[float] = field(default_factory=list)


@dataclass(slots=True)
class Trend:
    weeks: int  # length of each compared window
    recent: int
    previous: int
    recent_start: date | None
    previous_start: date | None

    @property
    def direction(self) -> str:
        if self.recent > self.previous:
            return "up"
        return "down" if self.recent < self.previous else "flat"

    @property
    def change_pct(self) -> float | None:
        return None if not self.previous else 100.0 * (self.recent - self.previous) / self.previous


@dataclass(slots=True)
class ReportData:
    generated_at: datetime
    since: date | None
    until: date | None
    total: int
    undated: int
    by_level: dict[str, int]
    weeks: list[date]  # Mondays of the ISO weeks, continuous
    weekly: dict[str, list[int]]  # level -> approaches per week
    targets: int
    by_team: list[GroupRow]
    by_sector: list[GroupRow]
    top_indicators: list[IndicatorRow]
    trend: Trend
    campaigns: list[CampaignRow] | None  # None: campaign linking not available
    triage: TriageStats | None  # None: no case data (no server database)
    examples: list[ExampleRow] = field(default_factory=list)  # the highest-scoring approaches
    summary: str = ""

    @property
    def first_week(self) -> date | None:
        return self.weeks[0] if self.weeks else None

    @property
    def last_week(self) -> date | None:
        return self.weeks[-1] if self.weeks else None


def parse_time(value: Any) -> datetime | None:
    """A timezone-aware datetime from a datetime or ISO text (naive values are taken as UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        t = value
    else:
        try:
            t = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def week_of(t: datetime) -> date:
    d = t.astimezone(UTC).date()
    return d - timedelta(days=d.weekday())


def _label(value: Any) -> str:
    s = str(value or "").strip()
    return s[:100] if s else UNKNOWN


def _in_period(t: datetime | None, since: date | None, until: date | None) -> bool:
    if since is None and until is None:
        return True
    if t is None:
        return False
    d = t.astimezone(UTC).date()
    return (since is None or d >= since) and (until is None or d <= until)


def build_report_data(
    approaches: Iterable[dict[str, Any]],
    cases: Iterable[dict[str, Any]] | None = None,
    *,
    since: date | None = None,
    until: date | None = None,
    campaigns: list[dict[str, Any]] | None | bool = True,
    top: int = 10,
    examples: int = 5,
) -> ReportData:
    """The report's numbers.

    approaches: contract dicts (score, level, first_contact, findings, owner_profile_url and, when known,
    owner_team / owner_sector / owner_org). cases: dicts with created_at and triaged_at (None while
    untriaged), or None when there is no case data. campaigns: True to link the approaches with
    lurewatch.linking when it is installed, a list of campaign dicts already computed, or None/False.
    """
    items = []
    for a in approaches:
        t = parse_time(a.get("first_contact"))
        if _in_period(t, since, until):
            items.append((a, t))
    by_level = {lv: 0 for lv in LEVELS}
    for a, _ in items:
        lv = a.get("level") if a.get("level") in LEVELS else "low"
        by_level[lv] += 1

    dated = [(a, t) for a, t in items if t is not None]
    weeks: list[date] = []
    if dated or since:
        first = week_of(min(t for _, t in dated)) if dated else None
        last = week_of(max(t for _, t in dated)) if dated else None
        if since is not None:
            first = since - timedelta(days=since.weekday())
        if until is not None:
            last = until - timedelta(days=until.weekday())
        if first is not None and last is not None and first <= last:
            weeks = [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    pos = {w: i for i, w in enumerate(weeks)}
    weekly = {lv: [0] * len(weeks) for lv in LEVELS}
    for a, t in dated:
        i = pos.get(week_of(t))
        if i is not None:
            lv = a.get("level") if a.get("level") in LEVELS else "low"
            weekly[lv][i] += 1

    targets = {a.get("owner_profile_url") for a, _ in items if a.get("owner_profile_url")}
    by_team = _groups(items, "owner_team")
    by_sector = _groups(items, "owner_sector")

    ind_count: Counter[str] = Counter()
    titles: dict[str, str] = {}
    for a, _ in items:
        seen = set()
        for f in a.get("findings") or []:
            if not isinstance(f, dict) or not f.get("indicator"):
                continue
            ind = str(f["indicator"])[:64]
            titles.setdefault(ind, str(f.get("title") or "")[:200])
            seen.add(ind)
        ind_count.update(seen)
    ranked = sorted(ind_count.items(), key=lambda x: (-x[1], x[0]))
    top_ind = [IndicatorRow(i, titles[i], n) for i, n in ranked]

    trend = _trend(weeks, weekly)
    camp_rows = _campaigns([a for a, _ in items], campaigns, weeks, trend, top)
    triage = _triage(cases, since, until) if cases is not None else None
    data = ReportData(
        generated_at=datetime.now(UTC),
        since=since,
        until=until,
        total=len(items),
        undated=len(items) - len(dated),
        by_level=by_level,
        weeks=weeks,
        weekly=weekly,
        targets=len(targets),
        by_team=by_team,
        by_sector=by_sector,
        top_indicators=top_ind[:top],
        trend=trend,
        campaigns=camp_rows,
        triage=triage,
        examples=_examples([a for a, _ in items], examples),
    )
    data.summary = summary_text(data)
    return data


def _groups(items: list[tuple[dict[str, Any], datetime | None]], key: str) -> list[GroupRow]:
    count: Counter[str] = Counter()
    high: Counter[str] = Counter()
    owners: dict[str, set[str]] = defaultdict(set)
    for a, _ in items:
        g = _label(a.get(key))
        count[g] += 1
        high[g] += a.get("level") == "high"
        if a.get("owner_profile_url"):
            owners[g].add(str(a["owner_profile_url"]))
    rows = [GroupRow(g, n, len(owners[g]), high[g]) for g, n in count.items()]
    # most approached first; "unknown" last so that known teams and sectors lead
    return sorted(rows, key=lambda r: (r.name == UNKNOWN, -r.approaches, r.name))


def _examples(approaches: list[dict[str, Any]], n: int) -> list[ExampleRow]:
    ranked = sorted(approaches, key=lambda a: (-int(a.get("score") or 0), str(a.get("first_contact") or "")))
    out = []
    for a in ranked[:n]:
        fs = [f for f in a.get("findings") or [] if isinstance(f, dict)]
        fs.sort(key=lambda f: -float(f.get("weight") or 0))
        t = parse_time(a.get("first_contact"))
        out.append(
            ExampleRow(
                first_contact=f"{t:%Y-%m-%d}" if t else "undated",
                level=str(a.get("level") or "low"),
                score=int(a.get("score") or 0),
                team=_label(a.get("owner_team")),
                sector=_label(a.get("owner_sector")),
                signs=[
                    (str(f.get("title") or f.get("indicator") or "")[:200],
                     str(f.get("evidence") or "")[:300])
                    for f in fs[:3]
                ],
            )
        )
    return out


def _trend(weeks: list[date], weekly: dict[str, list[int]]) -> Trend:
    n = min(TREND_WEEKS, len(weeks) // 2)
    if n == 0:
        return Trend(0, 0, 0, None, None)
    totals = [sum(weekly[lv][i] for lv in LEVELS) for i in range(len(weeks))]
    return Trend(n, sum(totals[-n:]), sum(totals[-2 * n : -n]), weeks[-n], weeks[-2 * n])


def _campaigns(
    approaches: list[dict[str, Any]], campaigns: Any, weeks: list[date], trend: Trend, top: int
) -> list[CampaignRow] | None:
    if campaigns is True:
        from lurewatch.linking import link

        campaigns = link(approaches)
    if not campaigns:
        return None if campaigns is None or campaigns is False else []
    pos = {w: i for i, w in enumerate(weeks)}
    rows = []
    for c in campaigns:
        weekly = [0] * len(weeks)
        recent = previous = 0
        for m in c.get("approaches") or []:
            t = parse_time(m.get("first_contact"))
            if t is None:
                continue
            w = week_of(t)
            if w in pos:
                weekly[pos[w]] += 1
            if trend.recent_start and w >= trend.recent_start:
                recent += 1
            elif trend.previous_start and w >= trend.previous_start:
                previous += 1
        rows.append(
            CampaignRow(
                campaign_id=str(c.get("campaign_id", ""))[:64],
                size=int(c.get("size") or len(c.get("approaches") or [])),
                senders=len(c.get("senders") or []),
                targets=len(c.get("targets") or []),
                first_seen=c.get("first_seen"),
                last_seen=c.get("last_seen"),
                recent=recent,
                previous=previous,
                weekly=weekly,
            )
        )
    rows.sort(key=lambda r: (-r.size, -(r.recent - r.previous), r.campaign_id))
    return rows[:top]


def _triage(cases: Iterable[dict[str, Any]], since: date | None, until: date | None) -> TriageStats:
    hours: list[float] = []
    n = untriaged = 0
    for c in cases:
        created = parse_time(c.get("created_at"))
        if created is None or not _in_period(created, since, until):
            continue
        n += 1
        triaged = parse_time(c.get("triaged_at"))
        if triaged is None:
            untriaged += 1
            continue
        hours.append(max(0.0, (triaged - created).total_seconds() / 3600))
    hours.sort()
    med = statistics.median(hours) if hours else None
    p90 = hours[min(len(hours) - 1, int(round(0.9 * (len(hours) - 1))))] if hours else None
    return TriageStats(n, len(hours), med, p90, untriaged, hours)


def _fmt_hours(h: float) -> str:
    return f"{h:.1f} hours" if h < 48 else f"{h / 24:.1f} days"


def summary_text(d: ReportData) -> str:
    """The executive summary in plain words: how many, how serious, against whom, and the trend."""
    if d.total == 0:
        return "No approaches were recorded in this period."
    period = "in this period"
    if d.first_week and d.last_week:
        period = (f"in the week of {d.first_week:%d %B %Y}" if d.first_week == d.last_week
                  else f"between the weeks of {d.first_week:%d %B %Y} and {d.last_week:%d %B %Y}")
    parts = [
        f"{d.total} suspicious approach{'es were' if d.total != 1 else ' was'} recorded {period}, "
        f"{d.by_level['high']} of them high risk and {d.by_level['medium']} medium risk, "
        f"against {d.targets} {'person' if d.targets == 1 else 'people'}."
    ]
    t = d.trend
    if t.weeks:
        span = f"the last {t.weeks} week{'s' if t.weeks > 1 else ''}"
        if t.direction == "flat":
            parts.append(f"The number is stable: {t.recent} in {span}, as in the {t.weeks} weeks before.")
        else:
            pct = f" ({t.change_pct:+.0f}%)" if t.change_pct is not None else ""
            word = "rising" if t.direction == "up" else "falling"
            parts.append(
                f"The trend is {word}: {t.recent} in {span} against {t.previous} in the {t.weeks} weeks "
                f"before{pct}."
            )
    known_teams = [g for g in d.by_team if g.name != UNKNOWN]
    if known_teams:
        g = known_teams[0]
        parts.append(f"The most targeted team is {g.name} ({g.approaches} approaches).")
    known_sectors = [g for g in d.by_sector if g.name != UNKNOWN]
    if known_sectors:
        g = known_sectors[0]
        parts.append(f"The most targeted area of work is {g.name} ({g.approaches}).")
    if d.top_indicators:
        i = d.top_indicators[0]
        parts.append(f"The most common warning sign: {i.title or i.indicator} ({i.approaches} approaches).")
    if d.campaigns:
        growing = [c for c in d.campaigns if c.recent > c.previous]
        parts.append(
            f"{len(d.campaigns)} coordinated campaign{'s' if len(d.campaigns) != 1 else ''} linked several "
            f"approaches together" + (f"; {len(growing)} grew in the last weeks." if growing else ".")
        )
    if d.triage and d.triage.median_hours is not None:
        parts.append(f"Reports were triaged in a median of {_fmt_hours(d.triage.median_hours)}.")
    return " ".join(parts)
