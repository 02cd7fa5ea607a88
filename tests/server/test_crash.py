"""Crash safety: kill -9 the server during a background export scan, restart, check the outcome.

The job resumes (rescanned from the start) and finishes; no approach, case or report link is
duplicated, and nothing is half-stored (every stored approach has its report link and its case).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from tests.server.exports import export_zip

from lurewatch.server import audit, auth
from lurewatch.server.database import Database
from lurewatch.server.tables import approaches, case_approaches, jobs, report_items

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(url: str, data: Path, port: int, log: Path, delay: str) -> subprocess.Popen:
    env = {**os.environ, "LUREWATCH_TEST_JOB_DELAY": delay, "LUREWATCH_JOB_STALE_SECONDS": "2",
           "LUREWATCH_SECRET_KEY": "test-secret"}
    cmd = [sys.executable, "-c", "from lurewatch.cli import main; main()", "serve", "--db", url,
           "--port", str(port), "--data-dir", str(data), "--insecure-cookies"]
    p = subprocess.Popen(cmd, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
    end = time.monotonic() + 60
    while time.monotonic() < end:
        try:
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=1)
            return p
        except httpx.HTTPError:
            if p.poll() is not None:
                raise AssertionError(log.read_text()[-3000:]) from None
            time.sleep(0.2)
    raise AssertionError("server did not start")


@contextlib.contextmanager
def live_server(url: str, tmp: Path) -> Iterator[str]:
    """`lurewatch serve` on a free port over the database `url` (jobs without delay); its base URL."""
    port = free_port()
    p = start(url, tmp / "data", port, tmp / "server.log", delay="0")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(p.pid, signal.SIGTERM)
        p.wait(20)


def _consistent(db: Database) -> tuple[int, int, int]:
    with db.read() as conn:
        n_app = conn.execute(select(func.count()).select_from(approaches)).scalar_one()
        n_case = conn.execute(select(func.count()).select_from(case_approaches)).scalar_one()
        n_link = conn.execute(select(func.count(report_items.c.approach_id.distinct()))).scalar_one()
    assert n_app == n_case == n_link, (n_app, n_case, n_link)  # nothing half-stored
    return n_app, n_case, n_link


def test_kill_during_export_scan_then_resume(fresh_url: str, tmp_path: Path) -> None:
    db = Database(fresh_url)
    with db.write() as conn:
        uid = auth.create_user(conn, "crash-rep", "reporter", "a-long-password", audit.Actor(None, "test"))
        _, key = auth.create_api_key(conn, auth.load_user(conn, uid), "k", None, 1, audit.Actor(None, "test"))
    h = {"Authorization": f"Bearer {key}"}
    data, hostile = export_zip(200, hostile_every=2)
    port = free_port()
    log = tmp_path / "server.log"
    p = start(fresh_url, tmp_path / "data", port, log, delay="0.4")
    try:
        r = httpx.post(f"http://127.0.0.1:{port}/api/v1/reports/upload", headers=h,
                       files={"export": ("e.zip", data, "application/zip")}, timeout=30)
        assert r.status_code == 201, r.text
        jid = r.json()["job_id"]
        end = time.monotonic() + 60
        while time.monotonic() < end:
            j = httpx.get(f"http://127.0.0.1:{port}/api/v1/jobs/{jid}", headers=h, timeout=5).json()
            if j["status"] == "running" and j["progress_done"] >= 50:
                break
            assert j["status"] in ("queued", "running"), j
            time.sleep(0.05)
        else:
            raise AssertionError("the scan never got going")
    finally:
        os.killpg(p.pid, signal.SIGKILL)  # the process group: uvicorn and nothing else of ours
        p.wait(10)
    with db.read() as conn:
        assert conn.execute(select(jobs.c.status).where(jobs.c.id == jid)).scalar_one() == "running"
    before = _consistent(db)
    assert 0 < before[0] < hostile  # stopped half-way, with whole batches only
    p = start(fresh_url, tmp_path / "data", port, log, delay="0")
    try:
        end = time.monotonic() + 120
        while time.monotonic() < end:
            j = httpx.get(f"http://127.0.0.1:{port}/api/v1/jobs/{jid}", headers=h, timeout=5).json()
            if j["status"] in ("done", "failed"):
                break
            time.sleep(0.2)
        assert j["status"] == "done", (j, log.read_text()[-2000:])
        assert j["attempts"] == 2 and j["progress_done"] == 200
    finally:
        os.killpg(p.pid, signal.SIGTERM)
        p.wait(20)
    n, _, _ = _consistent(db)
    assert n == j["kept"] and before[0] <= n <= hostile
    with db.read() as conn:  # each approach linked once to the report, in exactly one case
        assert conn.execute(select(func.count()).select_from(report_items)).scalar_one() == n
    assert audit.verify(db.engine).ok
    db.engine.dispose()
