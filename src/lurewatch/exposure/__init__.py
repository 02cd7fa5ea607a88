"""Profile exposure: what on a person's own LinkedIn profile makes them an easy target (issue 15).

The checks are data (`checks.yaml`: id, rationale citing the public advice, severity, advice, logic and
examples); this module runs them over the owner's own export (Profile.csv, Positions.csv,
Connections.csv). Nothing is fetched and nothing about other people is judged: connections are only
counted by the date they were accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

from lurewatch.model import Profile
from lurewatch.sectors import sector_of
from lurewatch.yamlfast import safe_load

MAX_FIELD = 5000  # characters of any one field read (hostile or not, bound what the patterns see)
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


@dataclass(slots=True)
class Check:
    id: str
    title: str
    severity: str
    kind: str
    rationale: str
    advice: str
    params: dict[str, Any]
    patterns: list[re.Pattern[str]] = field(default_factory=list)
    examples: dict[str, list[str]] = field(default_factory=dict)


@dataclass(slots=True)
class ExposureFinding:
    check: str
    title: str
    severity: str
    evidence: str
    field: str
    rationale: str
    advice: str

    def to_json(self) -> dict[str, str]:
        return {"check": self.check, "title": self.title, "severity": self.severity, "evidence": self.evidence,
                "field": self.field, "rationale": self.rationale, "advice": self.advice}


@cache
def checks() -> tuple[Check, ...]:
    doc = safe_load((resources.files("lurewatch.exposure") / "checks.yaml").read_text("utf-8"))
    out = []
    for raw in doc["checks"]:
        params = {k: v for k, v in raw.items() if k not in ("id", "title", "severity", "kind", "rationale",
                                                          "advice", "patterns", "examples")}
        out.append(Check(str(raw["id"]), str(raw["title"]), str(raw["severity"]), str(raw["kind"]),
                         " ".join(str(raw["rationale"]).split()), str(raw.get("advice", "")), params,
                         [re.compile(p, re.I) for p in raw.get("patterns") or []], dict(raw.get("examples") or {})))
    return tuple(out)


def _fields(p: Profile, wanted: list[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if "headline" in wanted and p.headline:
        out.append(("headline", p.headline))
    if "summary" in wanted and p.summary:
        out.append(("summary", p.summary))
    if "positions" in wanted:
        for i, pos in enumerate(p.positions[:50], 1):
            text = " — ".join(x for x in (pos.title, pos.company, pos.summary) if x)
            if text:
                out.append((f"position {i} ({pos.company or pos.title})"[:80], text))
    return [(f, t[:MAX_FIELD]) for f, t in out]


def _quote(text: str, m: re.Match[str]) -> str:
    a, b = max(0, m.start() - 40), min(len(text), m.end() + 40)
    return ("…" if a else "") + text[a:b].strip() + ("…" if b < len(text) else "")


def matches_text(check: Check, text: str) -> re.Match[str] | None:
    text = text[:MAX_FIELD]
    for rx in check.patterns:
        m = rx.search(text)
        if m:
            return m
    return None


def assess(owner: Profile | None, connected_on: list[date | None], today: date | None = None) -> list[ExposureFinding]:
    """The exposure findings of one person's own profile and connections (dates only), most severe first."""
    if owner is None:
        return []
    today = today or date.today()
    texts = (owner.headline, owner.industry, owner.summary, owner.current_employer,
             *(p.title for p in owner.positions[:3]), *(p.summary for p in owner.positions[:3]))
    sensitive = sector_of(*(t[:MAX_FIELD] for t in texts if t))
    out: list[ExposureFinding] = []
    for c in checks():
        if c.kind == "text":
            if c.params.get("sensitive_sector") and not sensitive:
                continue
            for where, text in _fields(owner, list(c.params.get("fields") or [])):
                m = matches_text(c, text)
                if m:
                    out.append(ExposureFinding(c.id, c.title, c.severity, f'"{_quote(text, m)}"', where,
                                               c.rationale, c.advice))
                    break
        elif c.kind == "connections":
            dates = [d for d in connected_on if d is not None]
            recent = sum(1 for d in dates if today - timedelta(days=int(c.params["window_days"])) <= d <= today)
            if dates and recent >= int(c.params["min_recent"]) and recent / len(dates) >= float(c.params["min_share_of_total"]):
                out.append(ExposureFinding(c.id, c.title, c.severity,
                                           f"{recent} of {len(dates)} connections accepted in the last "
                                           f"{c.params['window_days']} days", "Connections.csv", c.rationale, c.advice))
        elif c.kind == "headline_sector" and (area := sector_of(owner.headline[:MAX_FIELD])):
            out.append(ExposureFinding(c.id, c.title, c.severity, f'"{owner.headline[:200]}" '
                                       f"(sensitive area: {area})", "headline", c.rationale, c.advice))
    return sorted(out, key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.check))


def run_examples() -> list[tuple[str, str, str, bool]]:
    """(check, kind, example, ok) for every text check's examples."""
    out = []
    for c in checks():
        for kind in ("positive", "negative"):
            for ex in c.examples.get(kind, []):
                fired = matches_text(c, ex) is not None
                out.append((c.id, kind, ex, fired == (kind == "positive")))
    return out
