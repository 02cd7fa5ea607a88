"""Background scans of an uploaded LinkedIn export, in the server's worker thread."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import func, select
from tests.server.conftest import make_server
from tests.server.exports import export_zip

from lurewatch.server.tables import approaches, case_approaches, report_items


def _wait_job(s, jid: int, who: str = "reporter", timeout: float = 120) -> dict:  # noqa: ANN001
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        j = s.api(who, "GET", f"/api/v1/jobs/{jid}").json()
        if j["status"] in ("done", "failed"):
            return j
        time.sleep(0.2)
    raise AssertionError(f"job {jid} did not finish: {j}")


def test_export_scan_keeps_only_flagged(fresh_url: str, tmp_path: Path) -> None:
    s = make_server(fresh_url, tmp_path / "data", run_worker=True)
    with s.client:
        s.people["reporter"] = s.add_user("reporter", "rep-job")
        s.people["analyst"] = s.add_user("analyst", "ana-job")
        data, hostile = export_zip(30, hostile_every=3)
        r = s.api("reporter", "POST", "/api/v1/reports/upload", files={"export": ("export.zip", data, "application/zip")})
        assert r.status_code == 201, r.text
        rep = r.json()
        assert rep["kind"] == "export" and rep["job_id"]
        j = _wait_job(s, rep["job_id"])
        assert j["status"] == "done", j
        assert j["progress_total"] == 30 and j["progress_done"] == 30
        view = s.api("reporter", "GET", f"/api/v1/reports/{rep['id']}").json()
        levels = [a["level"] for a in view["approaches"]]
        assert levels and all(lv in ("medium", "high") for lv in levels)
        assert len(levels) == j["kept"] <= hostile
        assert len(levels) >= hostile // 2  # the hostile template is flagged
        # every kept approach has its case; the page shows progress
        assert s.api("analyst", "GET", "/api/v1/cases").json()["total"] == len(levels)
        page = s.api("reporter", "GET", f"/jobs/{rep['job_id']}").text
        assert "done" in page and "<progress" in page
        # scanning the same export again duplicates nothing
        r2 = s.api("reporter", "POST", "/api/v1/reports/upload", files={"export": ("export.zip", data, "application/zip")})
        _wait_job(s, r2.json()["job_id"])
        with s.db.read() as conn:
            assert conn.execute(select(func.count()).select_from(approaches)).scalar_one() == len(levels)
            assert conn.execute(select(func.count()).select_from(case_approaches)).scalar_one() == len(levels)
            assert conn.execute(select(func.count()).select_from(report_items)).scalar_one() == 2 * len(levels)
    s.db.engine.dispose()


def test_broken_export_fails_cleanly(fresh_url: str, tmp_path: Path) -> None:
    s = make_server(fresh_url, tmp_path / "data", run_worker=True)
    with s.client:
        s.people["reporter"] = s.add_user("reporter", "rep-broken")
        r = s.api("reporter", "POST", "/api/v1/reports/upload",
                  files={"export": ("export.zip", b"PK\x03\x04 this is not a zip", "application/zip")})
        j = _wait_job(s, r.json()["job_id"])
        assert j["status"] in ("failed", "done")
        if j["status"] == "done":
            assert j["kept"] == 0 and "problem" in j["message"]
    s.db.engine.dispose()


def test_link_campaigns_job(fresh_url: str, tmp_path: Path) -> None:
    s = make_server(fresh_url, tmp_path / "data", run_worker=True)
    with s.client:
        s.people["reporter"] = s.add_user("reporter", "rep-link")
        s.people["lead"] = s.add_user("lead", "lead-link")
        url = "https://www.linkedin.com/in/one-persona-many-targets"
        from tests.server.conftest import HOSTILE

        for i in range(3):
            r = s.api("reporter", "POST", "/api/v1/reports",
                      json={"message": f"{HOSTILE} Target {i}.", "profile_url": url, "sender_name": "Ann Persona"})
            assert r.status_code == 201
        s.api("reporter", "POST", "/api/v1/reports", json={"message": "Unrelated hello from a friend."})
        assert s.api("analyst" if "analyst" in s.people else "reporter", "POST", "/api/v1/campaigns/link"
                     ).status_code == 403
        j = s.api("lead", "POST", "/api/v1/campaigns/link")
        assert j.status_code == 202
        done = _wait_job(s, j.json()["job_id"], who="lead")
        assert done["status"] == "done", done
        camps = s.api("lead", "GET", "/api/v1/campaigns").json()
        assert camps and camps[0]["cases"] == 3
        name = camps[0]["campaign"]
        members = s.api("lead", "GET", f"/api/v1/campaigns/{name}").json()["cases"]
        assert len(members) == 3
        trail = s.api("lead", "GET", f"/api/v1/cases/{members[0]['id']}/audit").json()
        assert any(e["after"] and e["after"].get("by") == "linking" for e in trail)
    s.db.engine.dispose()
