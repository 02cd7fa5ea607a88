"""The board dashboard page (/dashboard) and its chart PNGs, on a small known dataset."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.server.conftest import HOSTILE, Server

pytest.importorskip("matplotlib")

from lurewatch.model import Approach, Finding, Message  # noqa: E402
from lurewatch.server import audit, auth, service  # noqa: E402
from lurewatch.server.web import dashboard  # noqa: E402

PERIOD = {"since": "2026-01-05", "until": "2026-02-01"}
PNG = b"\x89PNG\r\n\x1a\n"
XSS = "<script>alert(1)</script> we pay 3,000 USD"


def _approach(day: int, month: int, level: str, score: int, owner: str, team: str | None, sector: str | None,
              findings: list[Finding]) -> Approach:
    sent = datetime(2026, month, day, 9, 30, tzinfo=UTC)
    return Approach(source="linkedin-message", sender_name=f"Sender {day}/{month}",
                    sender_profile_url=f"https://www.linkedin.com/in/dash-sender-{day}-{month}",
                    owner_profile_url=f"https://www.linkedin.com/in/{owner}", owner_team=team,
                    owner_sector=sector,
                    conversation_id=f"dash-{day}-{month}",
                    messages=[Message(sender_name="Sender", text=f"hello {day}/{month}", sent_at=sent)],
                    findings=findings, score=score, level=level)  # type: ignore[arg-type]


def _finding(indicator: str, title: str, evidence: str) -> Finding:
    return Finding(indicator=indicator, title=title, category="offer", weight=0.5, evidence=evidence)


@pytest.fixture(scope="module")
def seeded(server: Server) -> dict[str, Any]:
    """Four approaches in January 2026 (2 high, 1 medium, 1 low; 3 people; two in a campaign), plus one
    report submitted through the API with a sector chosen by the reporter."""
    paid = _finding("paid_report", "Paid reports offered", XSS)
    off = _finding("off_platform", "Asks to move to WhatsApp", "let's continue on WhatsApp")
    items = [
        _approach(6, 1, "high", 80, "alice", "Research", "defence", [paid]),
        _approach(14, 1, "high", 70, "alice", "Research", "defence", [paid]),
        _approach(20, 1, "medium", 45, "bob", "Policy", "energy", [off]),
        _approach(28, 1, "low", 10, "carol", None, None, []),
    ]
    actor = audit.Actor(None, "test")
    with server.db.write() as conn:
        user = auth.load_user(conn, server.people["reporter"].id)
        assert user is not None
        rid = service.create_report(conn, user, actor, "message")
        case_ids = service.attach_approaches(conn, rid, items, actor)
        for cid in case_ids[:2]:
            service.update_case(conn, cid, {"campaign": "camp-alpha"}, actor)
        service.update_case(conn, case_ids[2], {"status": "in_progress"}, actor)
    r = server.api("reporter", "POST", "/api/v1/reports", json={"message": HOSTILE, "sector": "dash-sector"})
    assert r.status_code == 201, r.text
    dashboard.clear_cache()
    return {"cases": case_ids}


def test_analyst_sees_summary_figures_tables_and_charts(server: Server, seeded: dict[str, Any]) -> None:
    r = server.api("analyst", "GET", "/dashboard", params=PERIOD)
    assert r.status_code == 200, r.text[:500]
    page = r.text
    assert "4 suspicious approaches were recorded" in page
    assert "2 of them high risk and 1 medium risk, against 3 people" in page
    assert "The most targeted team is Research (2 approaches)." in page
    figures = page.split('id="figures"', 1)[1].split("</table>", 1)[0]
    assert re.search(r"High risk</th><td><span class=\"badge lvl-high\">2<", figures)
    assert re.search(r"Low risk</th><td><span class=\"badge lvl-low\">1<", figures)
    assert re.search(r"People approached</th><td>3<", figures)
    # every chart with data, each as an image with the period and alt text
    srcs = re.findall(r'<img src="(/dashboard/charts/(\w+)\.png[^"]*)" alt="([^"]+)"', page)
    assert [name for _, name, _ in srcs] == ["weekly", "teams", "sectors", "indicators", "campaigns"]
    assert all("since=2026-01-05&amp;until=2026-02-01" in src for src, _, _ in srcs)
    assert all(alt for _, _, alt in srcs)
    indicators = page.split('id="indicators"', 1)[1].split("</table>", 1)[0]
    assert indicators.index("paid_report") < indicators.index("off_platform")
    assert "<td>2</td>" in indicators and "<td>1</td>" in indicators
    assert "The most common warning sign: Paid reports offered (2 approaches)." in page
    camps = page.split('id="campaigns"', 1)[1].split("</table>", 1)[0]
    assert "camp-alpha" in camps and "<td>2</td>" in camps
    assert 'href="/dashboard"' in page  # the nav link for analysts


def test_hostile_evidence_is_escaped(server: Server, seeded: dict[str, Any]) -> None:
    page = server.api("analyst", "GET", "/dashboard", params=PERIOD).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_chart_pngs(server: Server, seeded: dict[str, Any]) -> None:
    for name in ("weekly", "teams", "sectors", "indicators", "campaigns"):
        r = server.api("lead", "GET", f"/dashboard/charts/{name}.png", params=PERIOD)
        assert r.status_code == 200, (name, r.text[:300])
        assert r.headers["content-type"] == "image/png"
        assert r.headers["cache-control"] == "no-store"
        assert r.content.startswith(PNG)
    assert server.api("analyst", "GET", "/dashboard/charts/bogus.png").status_code == 404
    # no case in January 2026 was created then: no triage chart for that period
    assert server.api("analyst", "GET", "/dashboard/charts/triage.png", params=PERIOD).status_code == 404


def test_whole_store_includes_server_reports_and_triage(server: Server, seeded: dict[str, Any]) -> None:
    page = server.api("admin", "GET", "/dashboard").text
    sectors = page.split('id="sectors"', 1)[1].split("</table>", 1)[0]
    assert "dash-sector" in sectors and "defence" in sectors  # the reporter's sector fills the unknown one
    assert "Cases not yet triaged" in page
    assert "/dashboard/charts/triage.png" in page
    r = server.api("admin", "GET", "/dashboard/charts/triage.png")
    assert r.status_code == 200 and r.content.startswith(PNG)


def test_reporter_is_refused(server: Server, seeded: dict[str, Any]) -> None:
    assert server.api("reporter", "GET", "/dashboard").status_code == 403
    assert server.api("reporter", "GET", "/dashboard/charts/weekly.png").status_code == 403
    assert 'href="/dashboard"' not in server.api("reporter", "GET", "/report").text


@pytest.mark.parametrize("params", [
    {"since": "2026-13-01"}, {"since": "yesterday"}, {"until": "2026-01-01T00:00"},
    {"since": "2026-02-01", "until": "2026-01-01"}, {"since": "1900-01-01"},
    {"since": "2000-01-01", "until": "2026-01-01"},
])
def test_bad_dates_give_400_pages(server: Server, seeded: dict[str, Any], params: dict[str, str]) -> None:
    r = server.api("analyst", "GET", "/dashboard", params=params)
    assert r.status_code == 400, (params, r.status_code)
    assert r.headers["content-type"].startswith("text/html")
    assert server.api("analyst", "GET", "/dashboard/charts/weekly.png", params=params).status_code == 400


def test_page_and_charts_compute_the_report_once(server: Server, seeded: dict[str, Any],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import lurewatch.reports as reports

    calls: list[Any] = []
    real = reports.build_report_data

    def counting(*a: Any, **kw: Any) -> Any:
        calls.append(kw.get("since"))
        return real(*a, **kw)

    monkeypatch.setattr(reports, "build_report_data", counting)
    dashboard.clear_cache()
    page = server.api("analyst", "GET", "/dashboard", params=PERIOD).text
    for src in re.findall(r'<img src="([^"]+)"', page):
        assert server.api("analyst", "GET", src.replace("&amp;", "&")).status_code == 200
    assert len(calls) == 1
    server.api("analyst", "GET", "/dashboard", params={"since": "2026-01-12"})  # another period: computed
    assert len(calls) == 2
