"""Campaigns from `lurewatch.linking`: a lead asks for a linking run; the worker links every open
case's approaches and labels the cases of each multi-approach campaign (never overriding a campaign
an analyst already set). A campaign whose cases already carry a label keeps it: its new cases join it
under that name. Labelling may raise a new-campaign alert (server/campaign_alerts.py). Without
lurewatch.linking installed, campaigns are the analysts' labels only.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from lurewatch.server import audit, campaign_alerts
from lurewatch.server.database import Database
from lurewatch.server.tables import approaches, case_approaches, cases, jobs


def _now() -> datetime:
    return datetime.now(UTC)


def _label(conn: Connection, case_ids: list[int], new: str) -> str:
    """The campaign's label: the one most of its cases already carry (a campaign that grew keeps its name,
    and is not new), else the linking run's id."""
    if not case_ids:
        return new
    row = conn.execute(select(cases.c.campaign, func.count().label("n"))
                       .where(cases.c.id.in_(case_ids), cases.c.campaign != "").group_by(cases.c.campaign)
                       .order_by(func.count().desc(), cases.c.campaign).limit(1)).first()
    return str(row.campaign) if row else new


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
                ids = sorted({case_of[a["approach_id"]] for a in camp["approaches"] if a["approach_id"] in case_of})
                name = _label(conn, ids, camp["campaign_id"][:100])
                for cid in ids:
                    n = conn.execute(update(cases).where(cases.c.id == cid, cases.c.campaign == "")
                                     .values(campaign=name, updated_at=_now())).rowcount
                    if n:
                        labelled += 1
                        audit.record(conn, actor, "case.update", "case", cid, before={"campaign": ""},
                                     after={"campaign": name, "by": "linking"}, case_id=cid)
                campaign_alerts.campaign_changed(conn, name, *campaign_alerts.summarise(camp.get("edges", [])))
            conn.execute(update(jobs).where(jobs.c.id == job["id"]).values(
                status="done", progress_done=len(dicts), progress_total=len(dicts), kept=labelled,
                message=f"{len(found)} campaigns found; {labelled} cases labelled", updated_at=_now()))
    except Exception as e:  # reported on the job, never kills the worker
        with db.write() as conn:
            conn.execute(update(jobs).where(jobs.c.id == job["id"]).values(
                status="failed", message=f"{type(e).__name__}: {e}"[:2000], updated_at=_now()))
