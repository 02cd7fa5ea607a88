"""The management report from a known dataset: its numbers, charts, HTML (escaped), PDF and CLI."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, BigInteger, Column, DateTime, Integer, MetaData, String, Table, create_engine
from typer.testing import CliRunner

from lurewatch.cli import app
from lurewatch.reports import build_report_data, load_cases, render_charts, render_html
from lurewatch.store import Store

MON = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday
# approaches per week over 8 weeks: 4 before, 10 in the last 4 weeks
PER_WEEK = [1, 2, 0, 1, 2, 3, 1, 4]
LEVELS = ["high", "medium", "low"]
SCRIPT = "<script>alert('x')</script>"


def _finding(ind: str, title: str, evidence: str = "e") -> dict[str, Any]:
    return {"indicator": ind, "title": title, "category": "c", "weight": 10.0, "evidence": evidence,
            "field": "message[0]", "rationale": ""}


def dataset() -> list[dict[str, Any]]:
    out = []
    n = 0
    for w, count in enumerate(PER_WEEK):
        for k in range(count):
            level = LEVELS[n % 3]
            findings = [_finding("LW-PIVOT-001", "Move to a private messenger")]
            if n % 2 == 0:
                findings.append(_finding("LW-OFFER-001", "Paid reports"))
                findings.append(_finding("LW-OFFER-001", "Paid reports"))  # twice in one approach: counts once
            if n == 5:
                findings.append(_finding("LW-WATCH-001", "Organisation on a watchlist", SCRIPT))
            out.append({
                "approach_id": f"ap-{n}",
                "first_contact": (MON + timedelta(weeks=w, days=k % 7)).isoformat(),
                "score": 90 if n == 5 else 50 + n,
                "level": "high" if n == 5 else level,
                "owner_profile_url": f"https://www.linkedin.com/in/owner-{n % 5}",
                "owner_team": "Propulsion" if n % 2 == 0 else ("Policy" if n % 3 == 0 else None),
                "owner_sector": "aerospace" if n % 2 == 0 else "",
                "findings": findings,
            })
            n += 1
    out.append({"approach_id": "ap-undated", "first_contact": None, "score": 10, "level": "low",
                "owner_profile_url": "https://www.linkedin.com/in/owner-9", "findings": []})
    return out


CASES = [
    {"created_at": MON, "triaged_at": MON + timedelta(hours=2)},
    {"created_at": MON + timedelta(days=1), "triaged_at": MON + timedelta(days=1, hours=4)},
    {"created_at": (MON + timedelta(days=2)).isoformat(), "triaged_at": None},
]


@pytest.fixture(scope="module")
def data():  # type: ignore[no-untyped-def]
    return build_report_data(dataset(), CASES, campaigns=None)


def test_totals_levels_and_weeks(data) -> None:  # type: ignore[no-untyped-def]
    assert data.total == 15 and data.undated == 1
    assert data.weeks[0] == date(2026, 3, 2) and len(data.weeks) == 8
    totals = [sum(data.weekly[lv][i] for lv in LEVELS) for i in range(8)]
    assert totals == PER_WEEK
    levels = [a["level"] for a in dataset()]
    assert data.by_level == {lv: levels.count(lv) for lv in LEVELS}
    assert sum(data.by_level.values()) == 15
    assert data.targets == 6  # owner-0..4 and owner-9


def test_trend_compares_last_four_weeks_with_four_before(data) -> None:  # type: ignore[no-untyped-def]
    t = data.trend
    assert (t.weeks, t.recent, t.previous, t.direction) == (4, 10, 4, "up")
    assert t.change_pct == pytest.approx(150.0)
    assert t.recent_start == date(2026, 3, 30)
    assert "rising: 10 in the last 4 weeks against 4 in the 4 weeks before (+150%)" in data.summary


def test_teams_sectors_and_indicators(data) -> None:  # type: ignore[no-untyped-def]
    teams = {g.name: g.approaches for g in data.by_team}
    assert teams == {"Propulsion": 7, "Policy": 2, "unknown": 6}
    assert data.by_team[-1].name == "unknown"  # unknown always last
    assert {g.name: g.approaches for g in data.by_sector} == {"aerospace": 7, "unknown": 8}
    inds = [(i.indicator, i.approaches) for i in data.top_indicators]
    assert inds == [("LW-PIVOT-001", 14), ("LW-OFFER-001", 7), ("LW-WATCH-001", 1)]
    assert "The most targeted team is Propulsion (7 approaches)." in data.summary


def test_triage_times(data) -> None:  # type: ignore[no-untyped-def]
    tr = data.triage
    assert (tr.cases, tr.triaged, tr.untriaged) == (3, 2, 1)
    assert tr.median_hours == pytest.approx(3.0)
    assert "median of 3.0 hours" in data.summary


def test_no_cases_means_not_available() -> None:
    d = build_report_data(dataset(), None, campaigns=None)
    assert d.triage is None and d.campaigns is None
    html = render_html(d, charts={})
    assert "Not available" in html and "Campaign linking is not available" in html


def test_period_filter() -> None:
    d = build_report_data(dataset(), None, since=date(2026, 3, 30), until=date(2026, 4, 26), campaigns=None)
    assert d.total == 10 and d.undated == 0 and len(d.weeks) == 4


def test_campaign_growth_from_given_campaigns() -> None:
    members = [{"approach_id": f"ap-{i}", "first_contact": (MON + timedelta(weeks=w)).isoformat()}
               for i, w in enumerate([0, 5, 6, 7, 7])]
    camp = {"campaign_id": "cmp-1", "size": 5, "senders": ["a", "b"], "targets": ["t"], "approaches": members,
            "first_seen": members[0]["first_contact"], "last_seen": members[-1]["first_contact"]}
    d = build_report_data(dataset(), None, campaigns=[camp])
    [c] = d.campaigns
    assert (c.size, c.senders, c.targets, c.recent, c.previous) == (5, 2, 1, 4, 1)
    assert c.weekly == [1, 0, 0, 0, 0, 1, 1, 2]
    assert "1 grew in the last weeks" in d.summary


def test_campaigns_linked_when_linking_is_installed() -> None:
    pytest.importorskip("lurewatch.linking")
    d = build_report_data(dataset(), None)  # campaigns=True: computed with lurewatch.linking
    assert d.campaigns is not None


def test_empty_dataset() -> None:
    d = build_report_data([], None, campaigns=None)
    assert d.total == 0 and d.weeks == [] and d.summary == "No approaches were recorded in this period."
    assert render_charts(d) == {}
    assert "<h1>" in render_html(d)


def test_charts_are_pngs(data) -> None:  # type: ignore[no-untyped-def]
    charts = render_charts(data)
    assert set(charts) == {"weekly", "teams", "sectors", "indicators", "triage"}
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in charts.values())


def test_html_is_self_contained_and_escaped(data) -> None:  # type: ignore[no-untyped-def]
    html = render_html(data)
    assert SCRIPT not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "<script" not in html.lower()
    assert 'src="http' not in html and "url(http" not in html and "<link" not in html
    assert html.count('src="data:image/png;base64,') == 5


def test_pdf(data) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("weasyprint")
    from lurewatch.reports import render_pdf

    pdf = render_pdf(render_html(data))
    assert pdf.startswith(b"%PDF")


def test_pdf_never_fetches_remote_resources() -> None:
    pytest.importorskip("weasyprint")
    from lurewatch.reports.render import _data_only_fetcher

    fetch = _data_only_fetcher()
    with pytest.raises(ValueError):
        (fetch.fetch if hasattr(fetch, "fetch") else fetch)("http://127.0.0.1:9/x.png")
    with pytest.raises(ValueError):
        (fetch.fetch if hasattr(fetch, "fetch") else fetch)("file:///etc/passwd")


def test_load_cases_from_server_tables(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 's.sqlite'}")
    md = MetaData()
    cases = Table("cases", md, Column("id", Integer, primary_key=True), Column("status", String(16)),
                  Column("created_at", DateTime(timezone=True)), Column("closed_at", DateTime(timezone=True)))
    log = Table("audit_log", md, Column("seq", BigInteger, primary_key=True), Column("at", DateTime(timezone=True)),
                Column("action", String(64)), Column("case_id", Integer), Column("after", JSON))
    assert load_cases(engine=engine) is None  # no server tables yet
    md.create_all(engine)
    t0 = datetime(2026, 3, 2, 9, 0)
    with engine.begin() as conn:
        conn.execute(cases.insert(), [
            {"id": 1, "status": "in_progress", "created_at": t0, "closed_at": None},
            {"id": 2, "status": "closed", "created_at": t0, "closed_at": t0 + timedelta(hours=9)},
            {"id": 3, "status": "new", "created_at": t0, "closed_at": None},
        ])
        conn.execute(log.insert(), [
            {"seq": 1, "at": t0 + timedelta(hours=1), "action": "case.update", "case_id": 1, "after": {"title": "x"}},
            {"seq": 2, "at": t0 + timedelta(hours=3), "action": "case.update", "case_id": 1,
             "after": {"status": "in_progress"}},
            {"seq": 3, "at": t0 + timedelta(hours=5), "action": "case.update", "case_id": 1,
             "after": {"status": "closed"}},
        ])
    got = {c["id"]: c for c in load_cases(engine=engine)}
    assert got[1]["triaged_at"] - got[1]["created_at"] == timedelta(hours=3)  # first status change
    assert got[2]["triaged_at"] - got[2]["created_at"] == timedelta(hours=9)  # no log entry: closing time
    assert got[3]["triaged_at"] is None


def test_cli_report_from_input_and_store(tmp_path: Path) -> None:
    runner = CliRunner()
    jl = tmp_path / "scan.jsonl"
    jl.write_text("\n".join(json.dumps(a) for a in dataset()) + "\nnot json\n", encoding="utf-8")
    out = tmp_path / "r.html"
    r = runner.invoke(app, ["report", "--input", str(jl), "-o", str(out), "--charts-dir", str(tmp_path / "c")])
    assert r.exit_code == 0, r.output
    assert "15 suspicious approaches" in out.read_text(encoding="utf-8")
    assert (tmp_path / "c" / "weekly.png").read_bytes().startswith(b"\x89PNG")

    db = tmp_path / "store.sqlite"
    Store(db).save({**a, "source": "linkedin-message"} for a in dataset())
    out2 = tmp_path / "r2.html"
    r = runner.invoke(app, ["report", "--db", str(db), "-o", str(out2), "--since", "2026-03-30"])
    assert r.exit_code == 0, r.output
    assert "10 suspicious approaches" in out2.read_text(encoding="utf-8")

    assert runner.invoke(app, ["report", "-o", str(tmp_path / "r.txt"), "--demo"]).exit_code == 2
    assert runner.invoke(app, ["report", "-o", str(out), "--demo", "--since", "March"]).exit_code == 2


def test_cli_demo_pdf(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    out = tmp_path / "demo.pdf"
    r = CliRunner().invoke(app, ["report", "--demo", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_bytes().startswith(b"%PDF")


def test_summary_of_a_single_approach() -> None:
    d = build_report_data([{"first_contact": "2026-01-07T10:00:00+00:00", "level": "high", "score": 80,
                            "owner_profile_url": "x", "findings": []}], campaigns=None)
    assert d.summary.startswith("1 suspicious approach was recorded in the week of 05 January 2026, 1 of them "
                                "high risk and 0 medium risk, against 1 person.")
