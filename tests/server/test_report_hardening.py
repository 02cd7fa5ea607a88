"""Findings 7 and 11 on the server: one e-mail per `.eml` field, no orphan files or server paths after a
refusal, and a down-scoped API key cannot revoke its owner's stronger keys."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import func, select
from tests.server.conftest import HOSTILE, Server, login

from lurewatch.server.tables import cases, reports


def _mbox(n: int) -> bytes:
    out = []
    for i in range(n):
        out.append(f"From agent{i}@think-tank.example Mon Mar  2 08:{i % 60:02d}:00 2026\n"
                   f"From: Agent {i} <agent{i}@think-tank.example>\nTo: you@example.org\n"
                   f"Subject: paid report {i}\nDate: Mon, 02 Mar 2026 08:{i % 60:02d}:00 +0000\n"
                   f"Message-ID: <m{i}@think-tank.example>\n\n{HOSTILE} ({i})\n\n")
    return "".join(out).encode()


def _counts(server: Server) -> tuple[int, int]:
    with server.db.read() as conn:
        return (conn.execute(select(func.count()).select_from(reports)).scalar_one(),
                conn.execute(select(func.count()).select_from(cases)).scalar_one())


def _uploaded(server: Server) -> set[str]:
    d = server.cfg.data_dir / "uploads"
    return {p.name for p in d.iterdir()} if d.exists() else set()


def test_mbox_in_the_eml_field_is_refused_api(server: Server) -> None:
    before, files = _counts(server), _uploaded(server)
    r = server.api("reporter", "POST", "/api/v1/reports/upload",
                   files={"eml": ("inbox.eml", _mbox(40), "message/rfc822")})
    assert r.status_code == 422, r.text[:300]
    msg = r.json()["error"]["message"]
    assert "mailbox" in msg and "40 messages" in msg and "Scan my export" in msg
    assert _counts(server) == before  # no report, no case
    assert _uploaded(server) == files  # nothing left behind


def test_mbox_in_the_eml_field_is_refused_web(server: Server) -> None:
    c = server.client
    csrf = login(c, "reporter1")
    before = _counts(server)
    r = c.post("/report", data={"csrf_token": csrf}, files={"eml": ("inbox.eml", _mbox(12), "message/rfc822")})
    assert r.status_code == 422 and "12 messages" in r.text
    assert _counts(server) == before
    c.cookies.clear()


def test_one_email_still_opens_one_case_and_leaves_only_the_upload(server: Server) -> None:
    files = _uploaded(server)
    r = server.api("reporter", "POST", "/api/v1/reports/upload",
                   files={"eml": ("m.eml", _mbox(1), "message/rfc822")})
    assert r.status_code == 201, r.text[:300]
    assert len(r.json()["approaches"]) == 1
    new = _uploaded(server) - files
    assert len(new) == 1 and all(re.fullmatch(r"[0-9a-f]{32}", n) for n in new)  # no `.eml` link left


def test_refused_eml_leaves_no_file_and_no_server_path(server: Server) -> None:
    files = _uploaded(server)
    r = server.api("reporter", "POST", "/api/v1/reports/upload",
                   files={"eml": ("notes.eml", b"just some words, not an e-mail\n" * 20, "message/rfc822")})
    assert r.status_code == 422
    msg = r.json()["error"]["message"]
    assert str(server.cfg.data_dir) not in msg and "/uploads/" not in msg, msg
    assert "notes.eml" in msg
    assert _uploaded(server) == files


def test_down_scoped_key_cannot_revoke_stronger_keys(server: Server) -> None:
    analyst = server.people["analyst"]
    r = server.api("analyst", "POST", "/api/v1/api-keys", json={"name": "read-only", "role": "reporter"})
    assert r.status_code == 201
    weak = {"Authorization": f"Bearer {r.json()['key']}"}
    keys = server.api("analyst", "GET", "/api/v1/api-keys").json()
    strong = next(k["id"] for k in keys if k["role"] == "analyst" and k["revoked_at"] is None)
    r = server.client.post(f"/api/v1/api-keys/{strong}/revoke", headers=weak)
    assert r.status_code == 403, r.text[:300]
    r = server.client.post(f"/account/keys/{strong}/revoke", headers=weak)
    assert r.status_code == 403, r.text[:300]
    assert server.api(analyst, "GET", "/api/v1/api-keys").status_code == 200  # the analyst key still works
    own = next(k["id"] for k in server.api("analyst", "GET", "/api/v1/api-keys").json()
               if k["name"] == "read-only")
    assert server.client.post(f"/api/v1/api-keys/{own}/revoke", headers=weak).status_code == 200


def test_scan_problems_name_the_upload_not_the_server_path(tmp_path: Path) -> None:
    from lurewatch.server.analysis import scan_files

    bad = tmp_path / "0123abcd.zip"
    bad.write_bytes(b"PK\x03\x04 not a zip at all")
    _, problems = scan_files([bad], names={str(bad): "my-export.zip"})
    assert problems and all(str(tmp_path) not in p for p in problems)
    assert "my-export.zip" in problems[0]
