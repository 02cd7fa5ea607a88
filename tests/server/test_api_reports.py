"""Reporting through the REST API: verdicts, visibility, uploads, errors."""

from __future__ import annotations

import io
import json

from PIL import Image
from tests.server.conftest import BENIGN, HOSTILE, Server


def test_report_message_gives_verdict_and_opens_case(server: Server) -> None:
    r = server.api("reporter", "POST", "/api/v1/reports",
                   json={"message": HOSTILE, "sender_name": "Rachel Huang",
                         "profile_url": "https://www.linkedin.com/in/rachel-huang-test", "sector": "quantum"})
    assert r.status_code == 201, r.text
    rep = r.json()
    assert rep["kind"] == "message" and len(rep["approaches"]) == 1
    a = rep["approaches"][0]
    assert a["level"] in ("medium", "high") and a["score"] > 0
    assert a["findings"] and a["advice"]
    assert "case_id" not in a and "reporter_id" not in rep  # a reporter sees the verdict, not the triage
    assert a["sender_profile_url"].endswith("linkedin.com/in/rachel-huang-test")
    # the analyst finds it in the queue with the sector given
    q = server.api("analyst", "GET", "/api/v1/cases", params={"sector": "quantum"}).json()
    assert any(c["approach_count"] == 1 for c in q["items"])
    # and the reporter sees it in their list, with the same verdict
    mine = server.api("reporter", "GET", "/api/v1/reports").json()
    assert rep["id"] in [x["id"] for x in mine["items"]]
    again = server.api("reporter", "GET", f"/api/v1/reports/{rep['id']}").json()
    assert again["approaches"][0]["approach_id"] == a["approach_id"]


def test_benign_message_is_low(server: Server) -> None:
    r = server.api("reporter", "POST", "/api/v1/reports", json={"message": BENIGN})
    assert r.status_code == 201
    assert r.json()["approaches"][0]["level"] == "low"


def test_report_with_jsonresume_profile(server: Server) -> None:
    resume = {"basics": {"name": "Dr. Jane Roe", "label": "Senior Partner at Global Insight Consulting",
                         "profiles": [{"network": "LinkedIn", "url": "https://www.linkedin.com/in/jane-roe-gic"}]},
              "work": [{"name": "Global Insight Consulting", "position": "Senior Partner", "startDate": "2024-01"}]}
    r = server.api("reporter", "POST", "/api/v1/reports", json={"message": HOSTILE, "jsonresume": resume})
    assert r.status_code == 201, r.text
    assert r.json()["approaches"][0]["sender_name"] == "Dr. Jane Roe"


def test_report_needs_something(server: Server) -> None:
    r = server.api("reporter", "POST", "/api/v1/reports", json={"message": "   "})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "invalid" and err["request_id"] and "message" in err["message"]


def test_validation_errors_are_consistent(server: Server) -> None:
    r = server.api("reporter", "POST", "/api/v1/reports", json={"message": 12})
    assert r.status_code == 422
    assert set(r.json()["error"]) >= {"code", "message", "request_id", "detail"}
    r = server.api("reporter", "GET", "/api/v1/reports", params={"limit": 0})
    assert r.status_code == 422


def _png(color: str = "red") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), color).save(buf, "PNG")
    return buf.getvalue()


def test_upload_photo_is_stored_and_served_only_as_attachment(server: Server) -> None:
    r = server.api("reporter", "POST", "/api/v1/reports/upload",
                   data={"message": HOSTILE, "sender_name": "Laura Simmons"},
                   files={"photo": ("face.html", _png(), "text/html")})
    assert r.status_code == 201, r.text
    rep = r.json()
    assert rep["kind"] == "message" and rep["files"][0]["kind"] == "photo"
    fid = rep["files"][0]["id"]
    d = server.api("reporter", "GET", f"/api/v1/uploads/{fid}")
    assert d.status_code == 200
    assert d.headers["content-type"] == "application/octet-stream"
    assert d.headers["content-disposition"].startswith("attachment")
    assert d.headers["x-content-type-options"] == "nosniff"
    assert d.content == _png()
    # the thumbnail is a re-encoded PNG, never the uploaded bytes
    t = server.api("reporter", "GET", f"/uploads/{fid}/thumb.png")
    assert t.status_code == 200 and t.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(t.content)).format == "PNG"
    # another reporter can neither download nor see it
    assert server.api("reporter2", "GET", f"/api/v1/uploads/{fid}").status_code == 404
    assert server.api("analyst", "GET", f"/api/v1/uploads/{fid}").status_code == 200


def test_upload_refuses_non_image_photo_and_oversize(server: Server) -> None:
    r = server.api("reporter", "POST", "/api/v1/reports/upload", data={"message": HOSTILE},
                   files={"photo": ("x.png", b"<script>alert(1)</script>", "image/png")})
    assert r.status_code == 422
    big = b"\x89PNG" + b"0" * (server.cfg.max_image_bytes + 10)
    r = server.api("reporter", "POST", "/api/v1/reports/upload", data={"message": HOSTILE},
                   files={"photo": ("x.png", big, "image/png")})
    assert r.status_code == 422 and "too large" in r.json()["error"]["message"]


def test_upload_jsonresume_and_broken_jsonresume(server: Server) -> None:
    resume = json.dumps({"basics": {"name": "Tom Example", "label": "Recruiter"}}).encode()
    r = server.api("reporter", "POST", "/api/v1/reports/upload", data={"message": HOSTILE},
                   files={"jsonresume": ("p.json", resume, "application/json")})
    assert r.status_code == 201, r.text
    assert r.json()["approaches"][0]["sender_name"] == "Tom Example"
    r = server.api("reporter", "POST", "/api/v1/reports/upload", data={"message": HOSTILE},
                   files={"jsonresume": ("p.json", b"{not json", "application/json")})
    assert r.status_code == 422


EML = (
    b"From: Rachel Huang <rachel@riskvantage-advisory.example>\r\n"
    b"To: Maya Okafor <maya@qubitforge.example>\r\n"
    b"Subject: Paid research opportunity\r\n"
    b"Date: Mon, 3 Nov 2025 09:12:00 +0000\r\n"
    b"Message-ID: <abc123@riskvantage-advisory.example>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + HOSTILE.encode() + b"\r\n"
)


def test_upload_eml(server: Server) -> None:
    r = server.api("reporter", "POST", "/api/v1/reports/upload", files={"eml": ("m.eml", EML, "message/rfc822")})
    assert r.status_code == 201, r.text
    rep = r.json()
    assert rep["kind"] == "eml" and rep["approaches"]
    assert rep["approaches"][0]["source"] == "email"


def test_pagination(server: Server) -> None:
    for _ in range(3):
        server.api("reporter2", "POST", "/api/v1/reports", json={"message": HOSTILE + " page"})
    p1 = server.api("reporter2", "GET", "/api/v1/reports", params={"limit": 2}).json()
    p2 = server.api("reporter2", "GET", "/api/v1/reports", params={"limit": 2, "offset": 2}).json()
    assert p1["total"] == p2["total"] >= 3 and len(p1["items"]) == 2
    assert not {x["id"] for x in p1["items"]} & {x["id"] for x in p2["items"]}


def test_me_and_unauthenticated(server: Server) -> None:
    assert server.api("lead", "GET", "/api/v1/me").json()["role"] == "lead"
    r = server.client.get("/api/v1/me")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"
    r = server.client.get("/api/v1/me", headers={"Authorization": "Bearer lw_not-a-key"})
    assert r.status_code == 401


def test_get_approach_contract(server: Server) -> None:
    rep = server.api("reporter", "POST", "/api/v1/reports", json={"message": HOSTILE + " contract"}).json()
    aid = rep["approaches"][0]["approach_id"]
    a = server.api("reporter", "GET", f"/api/v1/approaches/{aid}").json()
    assert a["approach_id"] == aid and a["messages"][0]["text"].endswith("contract")
    assert set(a) >= {"source", "score", "level", "findings", "advice", "messages", "first_contact"}
    assert "reporter" not in json.dumps(a)  # the content carries no reporter identity
    assert server.api("reporter2", "GET", f"/api/v1/approaches/{aid}").status_code == 404
    assert server.api("analyst", "GET", f"/api/v1/approaches/{aid}").json() == a
    assert server.api("analyst", "GET", "/api/v1/approaches/ap-doesnotexist").status_code == 404


def test_contract_name_for_the_profile_url_is_kept(server: Server) -> None:
    """Issue 14: `sender_profile_url` (the contract's name) used to answer 201 and drop the URL."""
    url = "https://www.linkedin.com/in/contract-name-test"
    r = server.api("reporter", "POST", "/api/v1/reports", json={"message": HOSTILE, "sender_profile_url": url})
    assert r.status_code == 201, r.text
    assert r.json()["approaches"][0]["sender_profile_url"].endswith("linkedin.com/in/contract-name-test")
    # the older name stays a working alias
    r = server.api("reporter", "POST", "/api/v1/reports", json={"message": HOSTILE, "profile_url": url + "-old"})
    assert r.status_code == 201, r.text
    assert r.json()["approaches"][0]["sender_profile_url"].endswith("linkedin.com/in/contract-name-test-old")


def test_unknown_fields_are_refused_by_name(server: Server) -> None:
    r = server.api("reporter", "POST", "/api/v1/reports",
                   json={"message": HOSTILE, "sender_profile_urll": "https://www.linkedin.com/in/x"})
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert "sender_profile_urll" in err["message"]
    assert any(d["loc"][-1] == "sender_profile_urll" for d in err["detail"])
    # nothing was stored
    mine = server.api("reporter", "GET", "/api/v1/reports").json()
    assert all("sender_profile_urll" not in json.dumps(x) for x in mine["items"])


def test_upload_form_takes_the_contract_name(server: Server) -> None:
    url = "https://www.linkedin.com/in/upload-contract-name"
    r = server.api("reporter", "POST", "/api/v1/reports/upload",
                   data={"message": HOSTILE, "sender_profile_url": url})
    assert r.status_code == 201, r.text
    assert r.json()["approaches"][0]["sender_profile_url"].endswith("linkedin.com/in/upload-contract-name")


def test_submissions_is_the_canonical_path_and_reports_an_alias(server: Server) -> None:
    r = server.api("reporter", "POST", "/api/v1/submissions", json={"message": HOSTILE})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    for path in ("/api/v1/submissions", "/api/v1/reports"):
        assert sid in [x["id"] for x in server.api("reporter", "GET", path).json()["items"]]
    assert server.api("reporter", "GET", f"/api/v1/submissions/{sid}").json()["id"] == sid
    spec = server.client.get("/api/v1/openapi.json").json()["paths"]
    assert not spec["/api/v1/submissions"]["post"].get("deprecated")
    assert spec["/api/v1/reports"]["post"]["deprecated"] is True
