"""Server: an export of a case needs a lead's approval (not the requester's), TLP is enforced, and both the
request and the approval are in the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from stix2validator import ValidationOptions, validate_string  # noqa: E402
from tests.server.conftest import HOSTILE, ROLES, Server, make_server  # noqa: E402

from lurewatch.server import audit  # noqa: E402

WITH_PIVOT = HOSTILE + " My WhatsApp is +44 7700 900777, mail j.lee@horizon-policy-forum.org"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = make_server(f"sqlite:///{tmp_path_factory.mktemp('db')}/lw.sqlite", tmp_path_factory.mktemp("data"))
    with s.client:
        for role in ROLES:
            s.people[role] = s.add_user(role, f"{role}1")
        s.people["lead2"] = s.add_user("lead", "lead2")
        yield s
    s.db.engine.dispose()


def _case(server: Server) -> int:
    r = server.api("reporter", "POST", "/api/v1/reports", json={"message": WITH_PIVOT})
    assert r.status_code == 201, r.text
    aid = r.json()["approaches"][0]["approach_id"]
    for c in server.api("analyst", "GET", "/api/v1/cases", params={"limit": 200}).json()["items"]:
        detail = server.api("analyst", "GET", f"/api/v1/cases/{c['id']}").json()
        if any(a["approach_id"] == aid for a in detail["approaches"]):
            return int(c["id"])
    raise AssertionError("no case for the report")


def test_export_needs_a_leads_approval_and_is_audited(server: Server, tmp_path: Path) -> None:
    cid = _case(server)
    server.api(
        "analyst", "POST", f"/api/v1/cases/{cid}/notes", json={"text": "Confirmed persona; see pivots."}
    )
    r = server.api("analyst", "POST", "/api/v1/sharing/exports", json={"case_id": cid, "tlp": "amber"})
    assert r.status_code == 201, r.text
    req = r.json()
    assert req["status"] == "pending"
    rid = req["id"]
    assert server.api("analyst", "GET", f"/api/v1/sharing/exports/{rid}/download").status_code == 422
    assert server.api("analyst", "POST", f"/api/v1/sharing/exports/{rid}/approve").status_code == 403
    assert server.api("reporter", "GET", f"/api/v1/sharing/exports/{rid}/download").status_code == 403
    r = server.api("lead", "POST", f"/api/v1/sharing/exports/{rid}/approve")
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert (
        server.api("lead", "POST", f"/api/v1/sharing/exports/{rid}/approve").status_code == 422
    )  # once only

    r = server.api("analyst", "GET", f"/api/v1/sharing/exports/{rid}/download")
    assert r.status_code == 200, r.text
    text = r.text
    result = validate_string(text, ValidationOptions(version="2.1"))
    assert result.is_valid, [str(e) for e in result.errors][:5]
    assert "reporter1" not in text and "analyst1" not in text  # no reporter / author identity
    assert "Confirmed persona; see pivots." in text  # the analyst note, without its author
    assert "[phone-number:value = '+447700900777']" in text  # the flagged approach's pivots

    actions = [(e["action"], e["actor"]) for e in audit.iter_entries(server.db.engine, case_id=cid)]
    assert ("share.export.request", "analyst1") in actions
    assert ("share.export.approve", "lead1") in actions
    assert ("share.export.download", "analyst1") in actions
    listed = server.api("lead", "GET", "/api/v1/sharing/exports", params={"status": "approved"}).json()[
        "items"
    ]
    assert any(x["id"] == rid and x["decided_by"] == server.people["lead"].id for x in listed)


def test_requester_cannot_approve_own_export_and_tlp_is_enforced(server: Server) -> None:
    cid = _case(server)
    r = server.api("lead", "POST", "/api/v1/sharing/exports", json={"case_id": cid, "format": "misp"})
    rid = r.json()["id"]
    assert server.api("lead", "POST", f"/api/v1/sharing/exports/{rid}/approve").status_code == 403
    assert server.api("lead2", "POST", f"/api/v1/sharing/exports/{rid}/approve").status_code == 200
    r = server.api("lead", "GET", f"/api/v1/sharing/exports/{rid}/download")
    assert r.status_code == 200 and '"tlp:amber"' in r.text

    assert server.api("analyst", "PATCH", f"/api/v1/cases/{cid}", json={"tlp": "red"}).status_code == 200
    r = server.api("analyst", "POST", "/api/v1/sharing/exports", json={"case_id": cid, "tlp": "green"})
    assert r.status_code == 422 and "TLP:RED" in r.text
    assert (
        server.api("analyst", "POST", "/api/v1/sharing/exports", json={"case_id": 999999}).status_code == 404
    )
    r = server.api("analyst", "POST", "/api/v1/sharing/exports/", json={"case_id": cid, "campaign": "x"})
    assert r.status_code in (404, 422)
