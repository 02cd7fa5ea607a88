"""The exposure check on the server (issue 15 part 4): a reporter uploads their own LinkedIn export and
gets the findings with the advice; nothing is kept unless they share the signs (never the text); the
organisation view counts without names (names for the lead role only). API and pages, SQLite and
PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.server.conftest import Server, login

from lurewatch.db.exposure_tables import exposure_shares
from lurewatch.server import exposure
from lurewatch.server.tables import audit_log, audit_queue

SECRET_MESSAGE = "the-private-message-body-never-read"


def export_zip(headline: str, summary: str = "", recent: int = 0, older: int = 10, folder: str = "") -> bytes:
    def table(header: list[str], rows: list[list[str]]) -> str:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(header)
        w.writerows(rows)
        return buf.getvalue()

    today = date.today()
    days = [today - timedelta(days=5 + i % 60) for i in range(recent)] + \
           [today - timedelta(days=400 + i) for i in range(older)]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(folder + "Profile.csv", table(["First Name", "Last Name", "Headline", "Summary", "Industry"],
                                                 [["Alex", "Moreau", headline, summary, "Defense & Space"]]))
        z.writestr(folder + "Positions.csv", table(
            ["Company Name", "Title", "Description", "Location", "Started On", "Finished On"],
            [["Northgate Defence", "Lead engineer", "Owned the prototype roadmap for the AUKUS sonar.", "", "Jan 2022",
              ""]]))
        z.writestr(folder + "Connections.csv", table(
            ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"],
            [[f"P{i}", "Q", f"https://www.linkedin.com/in/p{i}", "", "Co", "Role", d.strftime("%d %b %Y")]
             for i, d in enumerate(days)]))
        z.writestr(folder + "messages.csv", "CONVERSATION ID,FROM,CONTENT\n1,X," + SECRET_MESSAGE + "\n")
    return out.getvalue()


EXPOSED = export_zip("Systems engineer | DV cleared | radar", "Reach me on alex.moreau.radar@gmail.com.", recent=60,
                     older=40)


def _check(server: Server, who: str, data: bytes, share: bool = False) -> Any:
    return server.api(who, "POST", "/api/v1/exposure/check", files={"export": ("export.zip", data, "application/zip")},
                      data={"share": "true" if share else "false"})


def _exposure_audit(server: Server) -> list[tuple[str, Any]]:
    """Exposure entries of the audit trail, chained or still queued: (action, after)."""
    with server.db.read() as conn:
        chained = [(a, after) for a, after in conn.execute(select(audit_log.c.action, audit_log.c.after))]
        queued = [(e["action"], e.get("after")) for (e,) in conn.execute(select(audit_queue.c.entry))]
    return [(a, after) for a, after in chained + queued if a.startswith("exposure.")]


def _uploads_left(server: Server) -> list[str]:
    d = server.cfg.data_dir / "uploads"
    return sorted(p.name for p in d.iterdir()) if d.exists() else []


def test_a_reporter_checks_their_export_and_nothing_is_kept(server: Server) -> None:
    before = _uploads_left(server)
    r = _check(server, "reporter", EXPOSED)
    assert r.status_code == 200, r.text
    body = r.json()
    found = {f["check"]: f for f in body["findings"]}
    assert {"LW-EXP-001", "LW-EXP-002", "LW-EXP-004", "LW-EXP-005"} <= set(found)
    assert "DV cleared" in found["LW-EXP-001"]["evidence"] and found["LW-EXP-001"]["advice"]
    assert body["shared"] is False and body["connections"] == 100
    assert SECRET_MESSAGE not in r.text  # messages.csv is never read
    assert _uploads_left(server) == before  # the uploaded zip is deleted
    with server.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(exposure_shares)).scalar_one() == 0
    assert server.api("reporter", "GET", "/api/v1/exposure/mine").json() == {"shared": False}
    assert _exposure_audit(server) == []
    # an export in a folder inside the zip, as LinkedIn sometimes sends it
    assert _check(server, "reporter", export_zip("DV cleared", folder="Basic_LinkedInDataExport/")).json()["findings"]


def test_bad_uploads_are_refused_and_deleted(server: Server) -> None:
    before = _uploads_left(server)
    r = _check(server, "reporter", b"not a zip at all")
    assert r.status_code == 422 and "zip refused" in r.json()["error"]["message"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("messages.csv", "x\n")
    r = _check(server, "reporter", buf.getvalue())
    assert r.status_code == 422 and "no Profile.csv" in r.json()["error"]["message"]
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("Profile.csv", b"First Name,Last Name\n" + b"a" * (30 * 1024 * 1024))
    r = _check(server, "reporter", bomb.getvalue())
    assert r.status_code == 422 and "zip bomb" in r.json()["error"]["message"]
    assert _uploads_left(server) == before
    assert server.client.post("/api/v1/exposure/check", files={"export": ("e.zip", EXPOSED)}).status_code == 401


def test_shared_signs_and_the_organisation_view(server: Server) -> None:
    careful = export_zip("Software engineer")
    assert _check(server, "reporter", EXPOSED, share=True).json()["shared"] is True
    assert _check(server, "reporter2", careful, share=True).status_code == 200
    for who in ("reporter", "analyst"):
        assert server.api(who, "GET", "/api/v1/exposure/organisation").status_code == 403
    admin = server.api("admin", "GET", "/api/v1/exposure/organisation").json()
    assert admin["people"] == 2 and all(s["people"] is None for s in admin["signs"])  # too few to count
    assert "by_person" not in admin and "reporter1" not in str(admin)
    assert _check(server, "analyst", EXPOSED, share=True).status_code == 200
    admin = server.api("admin", "GET", "/api/v1/exposure/organisation").json()
    counts = {s["check"]: s["people"] for s in admin["signs"]}
    assert admin["people"] == 3 and counts["LW-EXP-001"] == 2 and "by_person" not in admin
    lead = server.api("lead", "GET", "/api/v1/exposure/organisation").json()
    assert lead["names_shown"] is True
    by = {p["username"]: p["signs"] for p in lead["by_person"]}
    assert "LW-EXP-001" in by["reporter1"] and "LW-EXP-001" not in by["reporter2"]
    mine = server.api("reporter", "GET", "/api/v1/exposure/mine").json()
    assert mine["shared"] and "LW-EXP-001" in mine["signs"] and "DV" not in str(mine)  # the sign ids, not the text
    with server.db.read() as conn:
        stored = str(conn.execute(select(exposure_shares.c.signs)).scalars().all())
    assert "DV cleared" not in stored and "gmail" not in stored
    trail = _exposure_audit(server)
    assert [a for a, _ in trail] == ["exposure.share"] * 3 and "LW-EXP" not in str(trail)
    assert server.api("reporter", "DELETE", "/api/v1/exposure/mine").status_code == 204
    assert server.api("reporter", "GET", "/api/v1/exposure/mine").json() == {"shared": False}
    assert server.api("admin", "GET", "/api/v1/exposure/organisation").json()["people"] == 2
    assert [a for a, _ in _exposure_audit(server)].count("exposure.withdraw") == 1
    assert exposure.MIN_PEOPLE == 3


def test_the_pages_escape_and_need_csrf(server: Server) -> None:
    web = TestClient(server.app, base_url="http://127.0.0.1")
    csrf = login(web, "reporter2")
    hostile = export_zip('<script>window.__pwned=1</script> DV cleared <img src=x onerror="alert(1)">')
    assert "My exposure" in web.get("/exposure").text
    files = {"export": ("export.zip", hostile, "application/zip")}
    assert web.post("/exposure", files=files).status_code == 403  # no CSRF token
    page = web.post("/exposure", files=files, data={"csrf_token": csrf})
    assert page.status_code == 200 and 'id="exposure-result"' in page.text
    assert "<script>window.__pwned" not in page.text and "&lt;script&gt;" in page.text
    assert '<img src=x' not in page.text and "Remove the clearance" in page.text
    page = web.post("/exposure", files={"export": ("x.zip", b"junk", "application/zip")}, data={"csrf_token": csrf})
    assert page.status_code == 422 and "zip refused" in page.text
    page = web.post("/exposure", files=files, data={"csrf_token": csrf, "share": "yes"})
    assert "You shared the signs" in page.text and "Withdraw what I shared" in page.text
    assert web.post("/exposure/withdraw", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert "Withdraw what I shared" not in web.get("/exposure").text
    assert web.get("/exposure/organisation").status_code == 403
    lead = TestClient(server.app, base_url="http://127.0.0.1")
    login(lead, "lead1")
    org = lead.get("/exposure/organisation")
    assert org.status_code == 200 and "By person" in org.text and re.search(r"reporter1|analyst1", org.text)
