"""Issue 13, finding 1: an approved export is frozen. The download is exactly the bytes the lead approved
(their SHA-256 in the audit entry and in a response header), its TLP is never weaker than the strongest
TLP of what it holds (cases merged in), and a request whose content changed before approval is refused
as stale. SQLite and PostgreSQL (the `server` fixture of conftest)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from tests.server.conftest import HOSTILE, Server

from lurewatch.server import audit
from lurewatch.sharing.tlp import TLP2_IDS

CLEAR_MSG = HOSTILE + " My WhatsApp is +44 7700 900111."
RED_MSG = (
    "Good afternoon. I represent a consultancy advising government clients in Beijing. We pay 5,000 USD "
    "for a short paper on your ministry's internal budget planning. Keep this between us and do not tell "
    "your employer; message me on WhatsApp +44 7700 900999 or mail red.handler@quiet-advisory-group.org."
)
RED_NOTE = "RED-ONLY NOTE: the source inside the ministry confirmed this handler."


def _case_of(server: Server, message: str) -> int:
    r = server.api("reporter", "POST", "/api/v1/reports", json={"message": message})
    assert r.status_code == 201, r.text
    aid = r.json()["approaches"][0]["approach_id"]
    assert r.json()["approaches"][0]["level"] in ("medium", "high")  # flagged: it goes into exports
    for c in server.api("analyst", "GET", "/api/v1/cases", params={"limit": 200}).json()["items"]:
        detail = server.api("analyst", "GET", f"/api/v1/cases/{c['id']}").json()
        if any(a["approach_id"] == aid for a in detail["approaches"]):
            return int(c["id"])
    raise AssertionError("no case for the report")


def _set_tlp(server: Server, cid: int, level: str) -> None:
    assert server.api("analyst", "PATCH", f"/api/v1/cases/{cid}", json={"tlp": level}).status_code == 200


def _entries(server: Server, action: str, rid: int) -> list[dict[str, Any]]:
    return [
        e for e in audit.iter_entries(server.db.engine)
        if e["action"] == action and e["entity"] == "share_request" and e["entity_id"] == str(rid)
    ]


def _markings(bundle: dict[str, Any]) -> set[str]:
    return {ref for o in bundle["objects"] for ref in o.get("object_marking_refs", [])}


def test_approved_export_is_frozen_against_a_later_merge_and_note(server: Server) -> None:
    """The review's scenario: CLEAR case approved; a RED case merged in and a note added afterwards."""
    clear_id, red_id = _case_of(server, CLEAR_MSG), _case_of(server, RED_MSG)
    assert clear_id != red_id
    _set_tlp(server, clear_id, "clear")
    _set_tlp(server, red_id, "red")
    r = server.api("analyst", "POST", "/api/v1/sharing/exports", json={"case_id": clear_id, "tlp": "clear"})
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    r = server.api("lead", "POST", f"/api/v1/sharing/exports/{rid}/approve")
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text
    approved = _entries(server, "share.export.approve", rid)
    assert len(approved) == 1
    sha = approved[0]["after"]["sha256"]
    assert len(sha) == 64 and r.json()["sha256"] == sha

    r = server.api("analyst", "POST", f"/api/v1/cases/{clear_id}/merge", json={"duplicate_id": red_id})
    assert r.status_code == 200, r.text
    r = server.api("analyst", "POST", f"/api/v1/cases/{clear_id}/notes", json={"text": RED_NOTE})
    assert r.status_code == 201, r.text

    first = server.api("analyst", "GET", f"/api/v1/sharing/exports/{rid}/download")
    assert first.status_code == 200, first.text
    body = first.content
    assert hashlib.sha256(body).hexdigest() == sha == first.headers["x-content-sha256"]
    text = body.decode()
    assert "+447700900111" in text  # the approved content
    assert "900999" not in text and "quiet-advisory-group" not in text and "ministry" not in text  # no RED
    assert "RED-ONLY NOTE" not in text  # no note added after approval
    assert _markings(json.loads(text)) == {TLP2_IDS["clear"]}
    again = server.api("lead", "GET", f"/api/v1/sharing/exports/{rid}/download")
    assert again.content == body  # the same bytes every time
    downloads = _entries(server, "share.export.download", rid)
    assert [d["after"]["sha256"] for d in downloads] == [sha, sha]

    # The case now holds RED content: it can no longer be exported as CLEAR, and a RED export is RED.
    r = server.api("analyst", "POST", "/api/v1/sharing/exports", json={"case_id": clear_id, "tlp": "clear"})
    assert r.status_code == 422 and "TLP:RED" in r.text, r.text
    r = server.api("analyst", "POST", "/api/v1/sharing/exports", json={"case_id": clear_id, "tlp": "red"})
    assert r.status_code == 201, r.text
    rid2 = r.json()["id"]
    assert server.api("lead", "POST", f"/api/v1/sharing/exports/{rid2}/approve").status_code == 200
    red = server.api("analyst", "GET", f"/api/v1/sharing/exports/{rid2}/download")
    assert "+447700900999" in red.text and "RED-ONLY NOTE" in red.text
    assert _markings(red.json()) == {TLP2_IDS["red"]}


@pytest.mark.parametrize("fmt", ["stix", "misp"])
def test_content_changed_before_approval_is_refused_as_stale(server: Server, fmt: str) -> None:
    cid = _case_of(server, HOSTILE + f" Signal me at +44 7700 90{'0222' if fmt == 'stix' else '0333'}.")
    r = server.api("analyst", "POST", "/api/v1/sharing/exports", json={"case_id": cid, "format": fmt})
    rid = r.json()["id"]
    server.api("analyst", "POST", f"/api/v1/cases/{cid}/notes", json={"text": "added after the request"})
    r = server.api("lead", "POST", f"/api/v1/sharing/exports/{rid}/approve")
    assert r.status_code == 409 and "changed" in r.text and r.json()["error"]["code"] == "conflict", r.text
    listed = server.api("lead", "GET", "/api/v1/sharing/exports", params={"status": "stale"}).json()["items"]
    assert [x["status"] for x in listed if x["id"] == rid] == ["stale"]
    assert server.api("lead", "POST", f"/api/v1/sharing/exports/{rid}/approve").status_code == 422
    assert server.api("analyst", "GET", f"/api/v1/sharing/exports/{rid}/download").status_code == 422
    stale = _entries(server, "share.export.stale", rid)
    assert len(stale) == 1 and stale[0]["before"]["content_sha256"] != stale[0]["after"]["content_sha256"]
    assert not _entries(server, "share.export.approve", rid)

    r = server.api("analyst", "POST", "/api/v1/sharing/exports", json={"case_id": cid, "format": fmt})
    fresh = r.json()["id"]
    assert server.api("lead", "POST", f"/api/v1/sharing/exports/{fresh}/approve").status_code == 200
    assert "added after the request" in server.api("lead", "GET", f"/api/v1/sharing/exports/{fresh}/download").text


def test_tlp_raised_after_request_makes_it_stale(server: Server) -> None:
    a, b = _case_of(server, HOSTILE + " Call +44 7700 900444."), _case_of(server, HOSTILE + " Call +44 7700 900555.")
    _set_tlp(server, a, "green")
    _set_tlp(server, b, "amber+strict")
    rid = server.api("analyst", "POST", "/api/v1/sharing/exports", json={"case_id": a, "tlp": "green"}).json()["id"]
    assert server.api("analyst", "POST", f"/api/v1/cases/{a}/merge", json={"duplicate_id": b}).status_code == 200
    r = server.api("lead", "POST", f"/api/v1/sharing/exports/{rid}/approve")
    assert r.status_code == 409 and "AMBER+STRICT" in r.text, r.text


def test_tlp_floor_follows_nested_merges_and_campaigns(server: Server) -> None:
    a, b, c = (_case_of(server, HOSTILE + f" Telegram @handler_{n} for the details.") for n in ("a1", "b2", "c3"))
    _set_tlp(server, a, "red")
    for x in (b, c):
        _set_tlp(server, x, "green")
    assert server.api("analyst", "POST", f"/api/v1/cases/{b}/merge", json={"duplicate_id": a}).status_code == 200
    assert server.api("analyst", "POST", f"/api/v1/cases/{c}/merge", json={"duplicate_id": b}).status_code == 200
    r = server.api("analyst", "POST", "/api/v1/sharing/exports", json={"case_id": c, "tlp": "amber"})
    assert r.status_code == 422 and "TLP:RED" in r.text, r.text  # RED two merges down
    assert server.api("analyst", "PATCH", f"/api/v1/cases/{c}", json={"campaign": "op-floor"}).status_code == 200
    r = server.api("analyst", "POST", "/api/v1/sharing/exports", json={"campaign": "op-floor", "tlp": "green"})
    assert r.status_code == 422 and "TLP:RED" in r.text, r.text  # only c carries the label
