"""Campaigns from `lurewatch.linking`: a lead asks for a linking run; the worker links every open
case's approaches and labels the cases of each multi-approach campaign (never overriding a campaign
an analyst already set). Without lurewatch.linking installed, campaigns are the analysts' labels only.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update

from lurewatch.server import audit
from lurewatch.server.database import Database
from lurewatch.server.tables import approaches, case_approaches, cases, jobs


def _now() -> datetime:
    return datetime.now(UTC)


def run_link_job(db: Database, job: dict[str, Any]) -> None:
    from lurewatch.linking import link

    actor = audit.Actor(None, "worker", f"job-{job['id']}")
    try:
        with db.read() as conn:
            rows = conn.execute(
                select(approaches.c.data, case_approaches.c.case_id)
                .join(case_approaches, case_approaches.c.approach_id == approaches.c.approach_id)
                .join(cases, cases.c.id == case_approaches.c.case_id)
                .where(cases.c.merged_into.is_(None))
            ).all()
        case_of = {}
        dicts = []
        for data, cid in rows:
            d = data if isinstance(data, dict) else json.loads(data)
            case_of[d["approach_id"]] = cid
            dicts.append(d)
        found = [c for c in link(dicts) if c.get("size", 0) > 1]
        labelled = 0
        with db.write() as conn:
            for camp in found:
                name = camp["campaign_id"][:100]
                ids = sorted({case_of[a["approach_id"]] for a in camp["approaches"] if a["approach_id"] in case_of})
                for cid in ids:
                    n = conn.execute(update(cases).where(cases.c.id == cid, cases.c.campaign == "")
                                     .values(campaign=name, updated_at=_now())).rowcount
                    if n:
                        labelled += 1
                        audit.record(conn, actor, "case.update", "case", cid, before={"campaign": ""},
                                     after={"campaign": name, "by": "linking"}, case_id=cid)
            conn.execute(update(jobs).where(jobs.c.id == job["id"]).values(
                status="done", progress_done=len(dicts), progress_total=len(dicts), kept=labelled,
                message=f"{len(found)} campaigns found; {labelled} cases labelled", updated_at=_now()))
    except Exception as e:  # reported on the job, never kills the worker
        with db.write() as conn:
            conn.execute(update(jobs).where(jobs.c.id == job["id"]).values(
                status="failed", message=f"{type(e).__name__}: {e}"[:2000], updated_at=_now()))
