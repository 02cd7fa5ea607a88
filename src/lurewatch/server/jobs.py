"""Background scans of uploaded exports: a `jobs` table polled by a worker thread in the server process.

Crash safety: approaches are saved in batches, each batch in one transaction together with its report
links, cases and the job's progress; saving is idempotent by approach_id. A job found `running` at start
with no heartbeat for STALE seconds (its process died) is queued again and rescanned from the start -
nothing is duplicated - and marked failed after MAX_ATTEMPTS. Heartbeats make this safe with several
server processes: a live job is never taken from the process running it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update

from lurewatch.server import audit
from lurewatch.server.background import Loop
from lurewatch.server.database import Database
from lurewatch.server.tables import jobs, uploads

log = logging.getLogger("lurewatch.server.jobs")
MAX_ATTEMPTS = 3
BATCH = 25
HEARTBEAT = 5.0
FLAGGED = ("medium", "high")  # only flagged approaches of an export are kept


def now() -> datetime:
    return datetime.now(UTC)


def enqueue(conn: Any, kind: str, user_id: int, report_id: int | None, upload_id: int | None,
            actor: audit.Actor) -> int:
    jid = conn.execute(insert(jobs).values(
        kind=kind, status="queued", report_id=report_id, created_by=user_id, upload_id=upload_id,
        progress_done=0, progress_total=0, kept=0, attempts=0, message="", created_at=now(), updated_at=now(),
    ).returning(jobs.c.id)).scalar_one()
    audit.record(conn, actor, "job.queue", "job", jid, after={"kind": kind, "report_id": report_id})
    return int(jid)


def stale_seconds() -> float:
    return float(os.environ.get("LUREWATCH_JOB_STALE_SECONDS", "30"))


def recover(db: Database, stale: float | None = None) -> None:
    """Jobs left `running` by a dead process are queued again (or failed after MAX_ATTEMPTS)."""
    cutoff = now() - timedelta(seconds=stale_seconds() if stale is None else stale)
    dead = (jobs.c.status == "running", jobs.c.updated_at < cutoff)
    with db.write() as conn:
        conn.execute(update(jobs).where(*dead, jobs.c.attempts >= MAX_ATTEMPTS)
                     .values(status="failed", message="interrupted too many times", updated_at=now()))
        conn.execute(update(jobs).where(*dead)
                     .values(status="queued", message="resumed after an interruption", updated_at=now()))


def claim(db: Database) -> dict[str, Any] | None:
    with db.write() as conn:
        jid = conn.execute(select(jobs.c.id).where(jobs.c.status == "queued").order_by(jobs.c.id).limit(1)).scalar()
        if jid is None:
            return None
        n = conn.execute(update(jobs).where(jobs.c.id == jid, jobs.c.status == "queued").values(
            status="running", attempts=jobs.c.attempts + 1, updated_at=now())).rowcount
        if n != 1:
            return None  # another worker took it
        return dict(conn.execute(select(jobs).where(jobs.c.id == jid)).mappings().one())


def run_job(db: Database, data_dir: Path, job: dict[str, Any]) -> None:
    if job["kind"] == "link-campaigns":
        from lurewatch.server.campaigns import run_link_job

        run_link_job(db, job)
        return
    from lurewatch.server import analysis, service

    actor = audit.Actor(None, "worker", f"job-{job['id']}")
    jid = job["id"]

    def progress(done: int, total: int, **values: Any) -> None:
        with db.write() as conn:
            conn.execute(update(jobs).where(jobs.c.id == jid).values(
                progress_done=done, progress_total=total, updated_at=now(), **values))

    beat_stop = threading.Event()

    def heartbeat() -> None:
        while not beat_stop.wait(HEARTBEAT):
            with contextlib.suppress(Exception), db.write() as conn:
                conn.execute(update(jobs).where(jobs.c.id == jid, jobs.c.status == "running")
                             .values(updated_at=now()))

    beat = threading.Thread(target=heartbeat, daemon=True)
    beat.start()
    try:
        with db.read() as conn:
            row = conn.execute(select(uploads.c.stored_name, uploads.c.original_name)
                               .where(uploads.c.id == job["upload_id"])).first()
        if row is None:
            raise RuntimeError("the uploaded file is gone")
        from lurewatch.server.uploads import path_of

        src = path_of(data_dir, row.stored_name)
        named = _named_copy(src)
        try:  # problems name the reporter's file, never the server's path
            found, problems = analysis.scan_files([named], names={str(named): row.original_name or "the upload"})
        finally:
            if named != src:
                named.unlink(missing_ok=True)
        total = len(found)
        progress(0, total, message=f"{total} conversations read; scoring")
        delay = float(os.environ.get("LUREWATCH_TEST_JOB_DELAY", "0") or 0)  # test hook: slow scans down
        kept = 0
        for start in range(0, total, BATCH):
            batch = analysis.analyse(found[start:start + BATCH], analysis.context(db.url))
            flagged = [a for a in batch if a.level in FLAGGED]
            with db.write() as conn:  # one transaction: approaches, links, cases and progress together
                service.attach_approaches(conn, job["report_id"], flagged, actor)
                kept_now = conn.execute(select(func.count()).select_from(service.report_items)
                                        .where(service.report_items.c.report_id == job["report_id"])).scalar_one()
                conn.execute(update(jobs).where(jobs.c.id == jid).values(
                    progress_done=min(start + BATCH, total), kept=kept_now, updated_at=now()))
            kept = kept_now
            if delay:
                time.sleep(delay)
        msg = f"done: {total} conversations scanned, {kept} flagged and kept"
        if problems:
            msg += f"; {len(problems)} problems: " + "; ".join(problems[:5])
        with db.write() as conn:
            conn.execute(update(jobs).where(jobs.c.id == jid).values(status="done", message=msg[:2000],
                                                                     updated_at=now()))
            audit.record(conn, actor, "job.done", "job", jid, after={"scanned": total, "kept": kept})
    except Exception as e:  # a broken upload must not kill the worker
        log.exception("job %s failed", jid)
        with db.write() as conn:
            conn.execute(update(jobs).where(jobs.c.id == jid).values(
                status="failed", message=f"{type(e).__name__}: {e}"[:2000], updated_at=now()))
            audit.record(conn, actor, "job.fail", "job", jid, after={"error": type(e).__name__})
    finally:
        beat_stop.set()


def _named_copy(src: Path) -> Path:
    """Ingest picks the parser by suffix/content; give it a path ending in .zip for zip uploads."""
    from lurewatch.server.submissions import _suffixed

    with open(src, "rb") as fh:
        head = fh.read(4)
    return _suffixed(src, ".zip") if head.startswith(b"PK") else src


class Worker(Loop):
    """Claims queued jobs and runs them, one at a time; recovers stale jobs every HEARTBEAT seconds."""

    name = "lurewatch-jobs"

    def __init__(self, db: Database, data_dir: Path, poll: float = 0.5) -> None:
        super().__init__(poll)
        self.db, self.data_dir = db, data_dir
        self._last_recover = 0.0

    def step(self) -> bool:
        audit.chain(self.db.engine)
        if time.monotonic() - self._last_recover > HEARTBEAT:
            recover(self.db)
            self._last_recover = time.monotonic()
        job = claim(self.db)
        if job is None:
            return False
        run_job(self.db, self.data_dir, job)
        return True
