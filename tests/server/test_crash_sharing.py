"""Crash safety of a sharing approval on PostgreSQL: a real `lurewatch serve` is SIGKILLed while the
approval's transaction is open (the artefact written, the audit entry queued, not committed). After a
restart the request is still pending with no artefact and no approval entry, nothing earlier in the audit
chain changed, a second approval succeeds once, the download is exactly the approved bytes, and the chain
verifies."""

from __future__ import annotations

import hashlib
import os
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError
from tests.server.conftest import HOSTILE, pg_available, pg_schema_url
from tests.server.test_crash import free_port, start

from lurewatch.server import audit, auth
from lurewatch.server.api import sharing as routes
from lurewatch.server.database import Database

DELAY_ENV, share_requests = routes.DELAY_ENV, routes.share_requests

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture()
def pg_url() -> str:
    if not pg_available():
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    url, cleanup = pg_schema_url()
    yield url
    cleanup()


def _keys(db: Database) -> dict[str, dict[str, str]]:
    out = {}
    with db.write() as conn:
        for role in ("reporter", "analyst", "lead"):
            uid = auth.create_user(conn, f"crash-{role}", role, "a-long-password-1", audit.Actor(None, "test"))
            _, key = auth.create_api_key(conn, auth.load_user(conn, uid), "k", None, 1, audit.Actor(None, "test"))
            out[role] = {"Authorization": f"Bearer {key}"}
    return out


def _in_approval(url: str, rid: int) -> bool:
    """True while another transaction holds the request's row lock (the approval's FOR UPDATE)."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL lock_timeout = '50ms'"))
            conn.execute(select(share_requests.c.id).where(share_requests.c.id == rid).with_for_update(nowait=True))
        return False
    except OperationalError:
        return True
    finally:
        engine.dispose()


def _approvals(db: Database, rid: int) -> list[dict]:
    return [e for e in audit.iter_entries(db.engine)
            if e["action"].startswith("share.export.") and e["entity_id"] == str(rid)]


def test_kill_during_sharing_approval_loses_and_duplicates_nothing(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(pg_url)
    h = _keys(db)
    port, log = free_port(), tmp_path / "server.log"
    base = f"http://127.0.0.1:{port}/api/v1"
    monkeypatch.setenv(DELAY_ENV, "60")  # the approval waits inside its transaction
    p = start(pg_url, tmp_path / "data", port, log, delay="0")
    outcome: dict[str, object] = {}
    try:
        r = httpx.post(f"{base}/reports", headers=h["reporter"], json={"message": HOSTILE}, timeout=30)
        assert r.status_code == 201, r.text
        cid = httpx.get(f"{base}/cases", headers=h["analyst"], timeout=10).json()["items"][0]["id"]
        r = httpx.post(f"{base}/sharing/exports", headers=h["analyst"], json={"case_id": cid, "tlp": "amber"},
                       timeout=30)
        assert r.status_code == 201, r.text
        rid = r.json()["id"]
        before = [(e["seq"], e["hash"]) for e in audit.iter_entries(db.engine)]

        def approve() -> None:
            try:
                outcome["status"] = httpx.post(f"{base}/sharing/exports/{rid}/approve", headers=h["lead"],
                                               timeout=120).status_code
            except httpx.HTTPError as e:
                outcome["error"] = e

        t = threading.Thread(target=approve)
        t.start()
        end = time.monotonic() + 60
        while not _in_approval(pg_url, rid):
            assert time.monotonic() < end and t.is_alive(), (outcome, log.read_text()[-2000:])
            time.sleep(0.1)
    finally:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait(10)
    t.join(30)
    assert "error" in outcome and "status" not in outcome  # the client never got an answer

    with db.read() as conn:
        rows = conn.execute(select(share_requests.c.status, share_requests.c.artefact_sha256)).all()
    assert [tuple(r) for r in rows] == [("pending", None)]  # rolled back: not lost, not half-approved
    assert audit.verify(db.engine).ok
    after_kill = [(e["seq"], e["hash"]) for e in audit.iter_entries(db.engine)]
    assert after_kill[: len(before)] == before
    assert [e["action"] for e in _approvals(db, rid)] == ["share.export.request"]

    monkeypatch.setenv(DELAY_ENV, "0")
    p = start(pg_url, tmp_path / "data", port, log, delay="0")
    try:
        r = httpx.post(f"{base}/sharing/exports/{rid}/approve", headers=h["lead"], timeout=30)
        assert r.status_code == 200 and r.json()["status"] == "approved", r.text
        assert httpx.post(f"{base}/sharing/exports/{rid}/approve", headers=h["lead"], timeout=30).status_code == 422
        d = httpx.get(f"{base}/sharing/exports/{rid}/download", headers=h["analyst"], timeout=30)
        assert d.status_code == 200
    finally:
        os.killpg(p.pid, signal.SIGTERM)
        p.wait(20)
    entries = _approvals(db, rid)
    assert [e["action"] for e in entries] == ["share.export.request", "share.export.approve", "share.export.download"]
    sha = entries[1]["after"]["sha256"]
    assert hashlib.sha256(d.content).hexdigest() == sha == d.headers["x-content-sha256"]
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(share_requests)).scalar_one() == 1
    final = audit.verify(db.engine)
    assert final.ok, final.problems
    assert [(e["seq"], e["hash"]) for e in audit.iter_entries(db.engine)][: len(after_kill)] == after_kill
    db.engine.dispose()
