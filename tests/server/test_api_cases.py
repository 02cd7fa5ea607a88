"""Triage through the REST API: queue, filters, case changes, tasks, notes, merge, campaigns, exports."""

from __future__ import annotations

import json

from tests.server.conftest import HOSTILE, Server


def _new_case(server: Server, who: str = "reporter", text: str = HOSTILE, sector: str = "") -> int:
    r = server.api(who, "POST", "/api/v1/reports", json={"message": text, "sector": sector})
    assert r.status_code == 201, r.text
    aid = r.json()["approaches"][0]["approach_id"]
    for c in server.api("analyst", "GET", "/api/v1/cases", params={"limit": 200}).json()["items"]:
        detail = server.api("analyst", "GET", f"/api/v1/cases/{c['id']}").json()
        if any(a["approach_id"] == aid for a in detail["approaches"]):
            return int(c["id"])
    raise AssertionError("no case for the new report")


def test_queue_sorted_by_risk_and_filtered(server: Server) -> None:
    _new_case(server, sector="aerospace")
    _new_case(server, text="Hello, nice to meet you.", sector="aerospace")
    items = server.api("analyst", "GET", "/api/v1/cases", params={"sector": "aerospace"}).json()["items"]
    scores = [c["score"] for c in items]
    assert len(items) >= 2 and scores == sorted(scores, reverse=True)
    high = server.api("analyst", "GET", "/api/v1/cases", params={"level": "low", "sector": "aerospace"}).json()
    assert high["items"] and all(c["level"] == "low" for c in high["items"])
    assert server.api("analyst", "GET", "/api/v1/cases", params={"level": "nope"}).status_code == 422


def test_case_lifecycle_with_audit(server: Server) -> None:
    cid = _new_case(server)
    analyst = server.people["analyst"]
    r = server.api("analyst", "PATCH", f"/api/v1/cases/{cid}",
                   json={"status": "in_progress", "assignee_id": analyst.id, "severity": "high", "tlp": "amber+strict",
                         "pap": "green", "campaign": "think-tank-2025"})
    assert r.status_code == 200, r.text
    c = r.json()
    assert (c["status"], c["assignee"], c["severity"], c["tlp"], c["pap"]) == (
        "in_progress", analyst.username, "high", "amber+strict", "green")
    assert server.api("analyst", "GET", "/api/v1/cases", params={"assignee": "me", "status": "in_progress"}
                      ).json()["total"] >= 1
    # closing needs a resolution
    bad = server.api("analyst", "PATCH", f"/api/v1/cases/{cid}", json={"status": "closed"})
    assert bad.status_code == 422 and "resolution" in bad.json()["error"]["message"]
    t = server.api("analyst", "POST", f"/api/v1/cases/{cid}/tasks", json={"title": "Warn the target's team"})
    assert t.status_code == 201
    tid = t.json()["id"]
    assert server.api("analyst", "PATCH", f"/api/v1/cases/{cid}/tasks/{tid}", json={"done": True}).json()["done"]
    assert server.api("analyst", "POST", f"/api/v1/cases/{cid}/notes", json={"text": "Matches Mallory pattern"}
                      ).status_code == 201
    closed = server.api("analyst", "PATCH", f"/api/v1/cases/{cid}", json={"status": "closed", "resolution": "hostile"})
    assert closed.status_code == 200 and closed.json()["closed_at"]
    detail = server.api("analyst", "GET", f"/api/v1/cases/{cid}").json()
    assert detail["tasks"][0]["done"] is True and detail["notes"][0]["text"] == "Matches Mallory pattern"
    trail = server.api("analyst", "GET", f"/api/v1/cases/{cid}/audit").json()
    actions = [e["action"] for e in trail]
    assert actions[0] == "case.create" and "task.add" in actions and "note.add" in actions
    closing = [e for e in trail if e["action"] == "case.update" and e["after"].get("status") == "closed"][0]
    assert closing["before"] == {"status": "in_progress", "resolution": None}
    assert closing["after"] == {"status": "closed", "resolution": "hostile"}
    assert closing["actor"] == analyst.username and closing["request_id"]
    # reopening clears the resolution
    reopened = server.api("analyst", "PATCH", f"/api/v1/cases/{cid}", json={"status": "in_progress"}).json()
    assert reopened["resolution"] is None and reopened["closed_at"] is None
    # campaign page
    camp = server.api("analyst", "GET", "/api/v1/campaigns/think-tank-2025").json()
    assert cid in [x["id"] for x in camp["cases"]]
    assert any(x["campaign"] == "think-tank-2025" for x in server.api("analyst", "GET", "/api/v1/campaigns").json())


def test_invalid_transitions_and_assignee(server: Server) -> None:
    cid = _new_case(server)
    assert server.api("analyst", "PATCH", f"/api/v1/cases/{cid}", json={"resolution": "hostile"}).status_code == 422
    reporter = server.people["reporter"]
    r = server.api("analyst", "PATCH", f"/api/v1/cases/{cid}", json={"assignee_id": reporter.id})
    assert r.status_code == 422  # a reporter cannot be assigned
    assert server.api("analyst", "PATCH", "/api/v1/cases/999999", json={"severity": "low"}).status_code == 404


def test_merge_duplicates(server: Server) -> None:
    a = _new_case(server, text=HOSTILE + " (first copy)")
    b = _new_case(server, who="reporter2", text=HOSTILE + " (second copy)")
    r = server.api("analyst", "POST", f"/api/v1/cases/{a}/merge", json={"duplicate_id": b})
    assert r.status_code == 200, r.text
    assert r.json()["approach_count"] == 2
    dup = server.api("analyst", "GET", f"/api/v1/cases/{b}").json()
    assert (dup["status"], dup["resolution"], dup["merged_into"]) == ("closed", "duplicate", a)
    assert dup["approaches"] == []
    target = server.api("analyst", "GET", f"/api/v1/cases/{a}").json()
    assert target["merged_cases"] == [b] and len(target["reports"]) == 2
    # no double merge, no self merge
    assert server.api("analyst", "POST", f"/api/v1/cases/{a}/merge", json={"duplicate_id": b}).status_code == 422
    assert server.api("analyst", "POST", f"/api/v1/cases/{a}/merge", json={"duplicate_id": a}).status_code == 422
    # each reporter still sees their own report's verdict after the merge
    assert server.api("reporter2", "GET", "/api/v1/reports").json()["total"] >= 1


def test_similar_cases_by_sender_url(server: Server) -> None:
    url = "https://www.linkedin.com/in/same-sender-xyz"
    server.api("reporter", "POST", "/api/v1/reports", json={"message": HOSTILE + " one", "profile_url": url})
    server.api("reporter2", "POST", "/api/v1/reports", json={"message": HOSTILE + " two", "profile_url": url})
    cid = _new_case(server, text=HOSTILE + " three", who="reporter")
    server.api("reporter", "POST", "/api/v1/reports", json={"message": HOSTILE + " three b", "profile_url": url})
    items = server.api("analyst", "GET", "/api/v1/cases", params={"limit": 200}).json()["items"]
    with_url = []
    for c in items:
        d = server.api("analyst", "GET", f"/api/v1/cases/{c['id']}").json()
        if any((a.get("sender_profile_url") or "").endswith("same-sender-xyz") for a in d["approaches"]):
            with_url.append(d)
    assert len(with_url) >= 3
    assert {s["case_id"] for s in with_url[0]["similar"]} >= {d["id"] for d in with_url[1:]}
    assert cid not in {s["case_id"] for s in with_url[0]["similar"]}


def test_exports_for_leads_without_reporter_identity(server: Server) -> None:
    _new_case(server)
    r = server.api("lead", "GET", "/api/v1/exports/cases")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    rows = [json.loads(x) for x in r.text.splitlines()]
    assert rows and "approach" in rows[0]
    text = r.text
    for p in server.people.values():
        if p.role == "reporter":
            assert p.username not in text
    assert "reporter_id" not in text
    assert server.api("analyst", "GET", "/api/v1/exports/cases").status_code == 403


def test_audit_export_and_verify_endpoints(server: Server) -> None:
    r = server.api("lead", "GET", "/api/v1/audit/export")
    assert r.status_code == 200
    lines = [json.loads(x) for x in r.text.splitlines()]
    assert lines and all({"seq", "hash", "prev_hash", "before", "after", "actor"} <= set(x) for x in lines)
    v = server.api("lead", "GET", "/api/v1/audit/verify").json()
    assert v["ok"] is True and v["entries"] >= len(lines)


def test_users_and_api_keys(server: Server) -> None:
    r = server.api("admin", "POST", "/api/v1/users", json={"username": "newbie", "role": "analyst",
                                                          "password": "a-long-password"})
    assert r.status_code == 201, r.text
    uid = r.json()["id"]
    assert server.api("admin", "POST", "/api/v1/users", json={"username": "NEWBIE", "role": "analyst",
                                                             "password": "a-long-password"}).status_code == 422
    assert any(u["username"] == "newbie" for u in server.api("admin", "GET", "/api/v1/users").json())
    assert server.api("admin", "PATCH", f"/api/v1/users/{uid}", json={"role": "lead"}).json()["role"] == "lead"
    me = server.people["admin"]
    assert server.api("admin", "PATCH", f"/api/v1/users/{me.id}", json={"role": "reporter"}).status_code == 422
    # keys: scoped down, revocable
    k = server.api("analyst", "POST", "/api/v1/api-keys", json={"name": "bot", "role": "reporter", "days": 1})
    assert k.status_code == 201
    key, kid = k.json()["key"], k.json()["id"]
    h = {"Authorization": f"Bearer {key}"}
    assert server.client.get("/api/v1/me", headers=h).json()["role"] == "reporter"
    assert server.client.get("/api/v1/cases", headers=h).status_code == 403  # scope below the owner's role
    assert server.api("analyst", "POST", "/api/v1/api-keys", json={"name": "x", "role": "admin"}).status_code == 422
    listed = server.api("analyst", "GET", "/api/v1/api-keys").json()
    assert any(x["id"] == kid for x in listed) and all("key_hash" not in x for x in listed)
    assert server.api("reporter", "POST", f"/api/v1/api-keys/{kid}/revoke").status_code == 404
    assert server.api("analyst", "POST", f"/api/v1/api-keys/{kid}/revoke").status_code == 200
    assert server.client.get("/api/v1/me", headers=h).status_code == 401
    # a disabled account's keys stop working
    server.api("admin", "PATCH", f"/api/v1/users/{server.people['analyst2'].id}", json={"active": False})
    assert server.api("analyst2", "GET", "/api/v1/me").status_code == 401
    server.api("admin", "PATCH", f"/api/v1/users/{server.people['analyst2'].id}", json={"active": True})


def test_expired_key_is_refused(server: Server) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from lurewatch.server.tables import api_keys

    k = server.api("reporter", "POST", "/api/v1/api-keys", json={"name": "short", "days": 1}).json()
    with server.db.write() as conn:
        conn.execute(update(api_keys).where(api_keys.c.id == k["id"])
                     .values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    assert server.client.get("/api/v1/me", headers={"Authorization": f"Bearer {k['key']}"}).status_code == 401


def test_openapi_documented(server: Server) -> None:
    spec = server.client.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    assert "/api/v1/reports" in paths and "/api/v1/cases/{case_id}/merge" in paths
    assert not any(p.startswith("/queue") or p.startswith("/login") for p in paths)
