"""Reports, cases, tasks, notes, merge: the operations shared by the REST API and the web pages.

Every change runs in one transaction together with its audit entry (before/after, actor, request id).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, exists, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from lurewatch.model import Approach
from lurewatch.server import audit
from lurewatch.server.auth import User
from lurewatch.server.tables import (
    approaches,
    case_approaches,
    cases,
    notes,
    report_items,
    reports,
    tasks,
    uploads,
    users,
)
from lurewatch.sharing import tlp as tlp_levels
from lurewatch.store.db import save_approaches

STATUSES = ("new", "in_progress", "closed")
RESOLUTIONS = ("hostile", "suspicious", "legitimate", "duplicate")
SEVERITIES = ("low", "medium", "high", "critical")
TLP = tlp_levels.LEVELS  # TLP 2.0, from the one TLP/PAP module
PAP = ("clear", "green", "amber", "red")
LEVELS = ("low", "medium", "high")
TRANSITIONS = {
    "new": {"in_progress", "closed"},
    "in_progress": {"closed"},
    "closed": {"in_progress"},  # reopen
}
CASE_FIELDS = ("title", "status", "resolution", "severity", "assignee_id", "tlp", "pap", "sector", "campaign")
_PLACEHOLDER_NAMES = {"unknown sender", "unknown", ""}
_SEVERITY_OF_LEVEL = {"high": "high", "medium": "medium", "low": "low"}


class NotFound(Exception):
    pass


class Invalid(ValueError):
    pass


def clean(text: str | None) -> str:
    """Text as stored: without NUL characters (PostgreSQL text refuses them)."""
    return (text or "").replace("\x00", "")


def now() -> datetime:
    return datetime.now(UTC)


def _iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).isoformat()


def _data(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else json.loads(v)


def insert_ignore(conn: Connection, table: Any) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING, in the connection's dialect."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(table).on_conflict_do_nothing()


# --- reports --------------------------------------------------------------------------------------

def create_report(conn: Connection, user: User, actor: audit.Actor, kind: str, comment: str = "") -> int:
    return create_report_row(conn, user, actor, kind, comment)["id"]


def create_report_row(conn: Connection, user: User, actor: audit.Actor, kind: str, comment: str = ""
                      ) -> dict[str, Any]:
    row = {"reporter_id": user.id, "kind": kind, "comment": clean(comment)[:5000], "created_at": now()}
    rid = int(conn.execute(insert(reports).values(**row).returning(reports.c.id)).scalar_one())
    audit.record(conn, actor, "report.create", "report", rid, after={"kind": kind})
    return {"id": rid, **row}


def report_body(user: User, report: dict[str, Any], items: list[dict[str, Any]], files: list[dict[str, Any]],
                job: tuple[int, str] | None = None) -> dict[str, Any]:
    """The report as the API and pages show it (what `report_view` reads back from the database)."""
    out = {
        "id": report["id"], "kind": report["kind"], "comment": report["comment"],
        "created_at": _iso(report["created_at"]), "approaches": items, "job_id": job[0] if job else None,
        "job_status": job[1] if job else None, "files": files,
    }
    if user.can("analyst"):
        out["reporter_id"] = report["reporter_id"]
    return out


def attach_approaches(conn: Connection, report_id: int, items: Sequence[Approach], actor: audit.Actor,
                      sector: str = "") -> list[int]:
    """Store approaches (idempotent by approach_id), link them to the report, open or update cases."""
    if not items:
        return []
    save_approaches(conn, items)
    case_ids: list[int] = []
    for a in items:
        aid = a.approach_id
        conn.execute(insert_ignore(conn, report_items).values(report_id=report_id, approach_id=aid))
        case_ids.append(_case_for(conn, a, actor, sector))
    return case_ids


def _case_for(conn: Connection, a: Approach, actor: audit.Actor, sector: str) -> int:
    aid = a.approach_id
    cid = conn.execute(select(case_approaches.c.case_id).where(case_approaches.c.approach_id == aid)).scalar()
    if cid is not None:
        conn.execute(update(cases).where(cases.c.id == cid, cases.c.score < a.score)
                     .values(score=a.score, level=a.level, updated_at=now()))
        return int(cid)
    t = now()
    title = f"{a.sender_name or 'Unknown sender'} ({a.source})"[:300]
    row = {"title": title, "status": "new", "severity": _SEVERITY_OF_LEVEL.get(a.level, "medium"),
           "tlp": "amber", "pap": "amber", "score": int(a.score), "level": a.level, "sector": sector[:100],
           "campaign": ""}
    row["title"], row["sector"] = clean(title), clean(sector)[:100]
    cid = conn.execute(insert(cases).values(**row, created_at=t, updated_at=t).returning(cases.c.id)).scalar_one()
    conn.execute(insert(case_approaches).values(case_id=cid, approach_id=aid))
    audit.record(conn, actor, "case.create", "case", cid, after={**row, "approach_id": aid}, case_id=cid)
    from lurewatch.server import alerts  # in the same transaction: an alert exists if and only if the case does

    alerts.enqueue_case(conn, int(cid), row, a.findings)
    return int(cid)


def report_visible(conn: Connection, user: User, report_id: int) -> dict[str, Any]:
    r = conn.execute(select(reports).where(reports.c.id == report_id)).mappings().first()
    if r is None or (not user.can("analyst") and r["reporter_id"] != user.id):
        raise NotFound("report not found")  # a reporter cannot even learn that another's report exists
    return dict(r)


def report_view(conn: Connection, user: User, report_id: int) -> dict[str, Any]:
    r = report_visible(conn, user, report_id)
    rows = conn.execute(
        select(approaches.c.data, case_approaches.c.case_id)
        .join(report_items, report_items.c.approach_id == approaches.c.approach_id)
        .outerjoin(case_approaches, case_approaches.c.approach_id == approaches.c.approach_id)
        .where(report_items.c.report_id == report_id).order_by(approaches.c.score.desc())
    ).all()
    items = []
    for data, cid in rows:
        d = _data(data)
        if user.can("analyst"):
            d["case_id"] = cid
        items.append(d)
    from lurewatch.server.tables import jobs

    job = conn.execute(select(jobs.c.id, jobs.c.status).where(jobs.c.report_id == report_id)).first()
    files = conn.execute(select(uploads.c.id, uploads.c.kind, uploads.c.original_name, uploads.c.size)
                         .where(uploads.c.report_id == report_id)).mappings().all()
    return report_body(user, r, items, [dict(f) for f in files], (job.id, job.status) if job else None)


def list_reports(conn: Connection, user: User, limit: int, offset: int, mine: bool = False
                 ) -> tuple[list[dict[str, Any]], int]:
    n_items = (select(func.count()).select_from(report_items)
               .where(report_items.c.report_id == reports.c.id).scalar_subquery())
    top = (select(func.max(approaches.c.score)).join(report_items,
           report_items.c.approach_id == approaches.c.approach_id)
           .where(report_items.c.report_id == reports.c.id).scalar_subquery())
    where = [reports.c.reporter_id == user.id] if (mine or not user.can("analyst")) else []
    total = conn.execute(select(func.count()).select_from(reports).where(*where)).scalar_one()
    rows = conn.execute(
        select(reports.c.id, reports.c.kind, reports.c.created_at, n_items.label("approaches"),
               top.label("top_score"))
        .where(*where).order_by(reports.c.id.desc()).limit(limit).offset(offset)
    ).mappings().all()
    return [{**dict(r), "created_at": _iso(r["created_at"])} for r in rows], int(total)


def approach_visible(conn: Connection, user: User, approach_id: str) -> dict[str, Any]:
    stmt = select(approaches.c.data).where(approaches.c.approach_id == approach_id)
    if not user.can("analyst"):
        stmt = stmt.where(exists().where(and_(
            report_items.c.approach_id == approaches.c.approach_id,
            report_items.c.report_id == reports.c.id, reports.c.reporter_id == user.id)))
    r = conn.execute(stmt).first()
    if r is None:
        raise NotFound("approach not found")
    return _data(r[0])


# --- cases ----------------------------------------------------------------------------------------

def _case_dict(r: Any) -> dict[str, Any]:
    d = dict(r)
    for k in ("created_at", "updated_at", "closed_at"):
        d[k] = _iso(d.get(k))
    return d


def _case_select() -> Any:
    n = (select(func.count()).select_from(case_approaches)
         .where(case_approaches.c.case_id == cases.c.id).scalar_subquery())
    return (select(cases, users.c.username.label("assignee"), n.label("approach_count"))
            .outerjoin(users, users.c.id == cases.c.assignee_id))


def list_cases(conn: Connection, *, status: str | None = None, level: str | None = None,
               sector: str | None = None, campaign: str | None = None, assignee: str | None = None,
               me: User | None = None, limit: int = 50, offset: int = 0
               ) -> tuple[list[dict[str, Any]], int]:
    where = []
    if status == "open":
        where.append(cases.c.status != "closed")
    elif status:
        where.append(cases.c.status == status)
    if level:
        where.append(cases.c.level == level)
    if sector:
        where.append(cases.c.sector == sector)
    if campaign:
        where.append(cases.c.campaign == campaign)
    if assignee == "none":
        where.append(cases.c.assignee_id.is_(None))
    elif assignee == "me" and me is not None:
        where.append(cases.c.assignee_id == me.id)
    elif assignee:
        where.append(cases.c.assignee_id == select(users.c.id).where(users.c.username == assignee)
                     .scalar_subquery())
    total = conn.execute(select(func.count()).select_from(cases).where(*where)).scalar_one()
    rows = conn.execute(_case_select().where(*where).order_by(cases.c.score.desc(), cases.c.id.desc())
                        .limit(limit).offset(offset)).mappings().all()
    return [_case_dict(r) for r in rows], int(total)


def get_case_row(conn: Connection, case_id: int) -> dict[str, Any]:
    r = conn.execute(_case_select().where(cases.c.id == case_id)).mappings().first()
    if r is None:
        raise NotFound("case not found")
    return _case_dict(r)


def case_detail(conn: Connection, case_id: int) -> dict[str, Any]:
    c = get_case_row(conn, case_id)
    aps = [_data(d) for (d,) in conn.execute(
        select(approaches.c.data).join(case_approaches, case_approaches.c.approach_id == approaches.c.approach_id)
        .where(case_approaches.c.case_id == case_id).order_by(approaches.c.score.desc()))]
    c["approaches"] = aps
    c["tasks"] = [_case_dict(r) for r in conn.execute(
        select(tasks).where(tasks.c.case_id == case_id).order_by(tasks.c.id)).mappings()]
    c["notes"] = [_case_dict(r) for r in conn.execute(
        select(notes, users.c.username.label("author")).join(users, users.c.id == notes.c.author_id)
        .where(notes.c.case_id == case_id).order_by(notes.c.id)).mappings()]
    c["merged_cases"] = [int(x) for (x,) in conn.execute(
        select(cases.c.id).where(cases.c.merged_into == case_id).order_by(cases.c.id))]
    c["similar"] = similar(conn, case_id, aps)
    c["reports"] = [int(x) for (x,) in conn.execute(
        select(report_items.c.report_id.distinct()).join(
            case_approaches, case_approaches.c.approach_id == report_items.c.approach_id)
        .where(case_approaches.c.case_id == case_id).order_by(report_items.c.report_id))]
    return c


def similar(conn: Connection, case_id: int, aps: list[dict[str, Any]], limit: int = 10) -> list[dict[str, Any]]:
    """Other cases whose approaches come from the same profile URL or the same sender account name."""
    urls = {a["sender_profile_url"] for a in aps if a.get("sender_profile_url")}
    names = {a["sender_name"] for a in aps
             if a.get("sender_name") and a["sender_name"].strip().lower() not in _PLACEHOLDER_NAMES}
    if not urls and not names:
        return []
    cond = []
    if urls:
        cond.append(approaches.c.sender_profile_url.in_(urls))
    if names:
        cond.append(approaches.c.sender_name.in_(names))
    rows = conn.execute(
        select(case_approaches.c.case_id, approaches.c.approach_id, approaches.c.sender_name,
               approaches.c.sender_profile_url, approaches.c.score, approaches.c.level, cases.c.status)
        .join(case_approaches, case_approaches.c.approach_id == approaches.c.approach_id)
        .join(cases, cases.c.id == case_approaches.c.case_id)
        .where(or_(*cond), case_approaches.c.case_id != case_id)
        .order_by(approaches.c.score.desc()).limit(limit)
    ).mappings().all()
    return [dict(r) for r in rows]


def _check(value: Any, allowed: Sequence[str], name: str) -> None:
    if value not in allowed:
        raise Invalid(f"{name} must be one of: {', '.join(allowed)}")


def update_case(conn: Connection, case_id: int, changes: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    """Apply a partial update with validation; records before/after of the changed fields."""
    row = conn.execute(select(cases).where(cases.c.id == case_id).with_for_update()).mappings().first()
    if row is None:
        raise NotFound("case not found")
    before = {k: row[k] for k in CASE_FIELDS}
    new = dict(before)
    for k, v in changes.items():
        if k not in CASE_FIELDS:
            raise Invalid(f"unknown field {k}")
        new[k] = v
    if new["status"] != before["status"]:
        _check(new["status"], STATUSES, "status")
        if new["status"] not in TRANSITIONS[before["status"]]:
            raise Invalid(f"status cannot go from {before['status']} to {new['status']}")
    if new["status"] == "closed":
        if not new["resolution"]:
            raise Invalid("closing a case needs a resolution")
        _check(new["resolution"], RESOLUTIONS, "resolution")
    elif changes.get("resolution"):
        raise Invalid("a resolution is set when closing the case")
    else:
        new["resolution"] = None
    _check(new["severity"], SEVERITIES, "severity")
    _check(new["tlp"], TLP, "tlp")
    _check(new["pap"], PAP, "pap")
    for k, n in (("title", 300), ("sector", 100), ("campaign", 100)):
        new[k] = clean(str(new[k] or "")).strip()[:n]
    if new["assignee_id"] is not None:
        ok = conn.execute(select(users.c.role, users.c.active).where(users.c.id == new["assignee_id"])).first()
        if ok is None or not ok.active or ok.role == "reporter":
            raise Invalid("the assignee must be an active analyst, lead or admin")
    b, a = audit.diff(before, new)
    if not a:
        return get_case_row(conn, case_id)
    values: dict[str, Any] = {**a, "updated_at": now()}
    if "status" in a:
        values["closed_at"] = now() if a["status"] == "closed" else None
    conn.execute(update(cases).where(cases.c.id == case_id).values(**values))
    audit.record(conn, actor, "case.update", "case", case_id, before=b, after=a, case_id=case_id)
    if a.get("campaign"):  # an analyst's label: the campaign may appear now (one alert, ever)
        from lurewatch.server import campaign_alerts

        campaign_alerts.campaign_changed(conn, a["campaign"])
    return get_case_row(conn, case_id)


def merge(conn: Connection, target_id: int, duplicate_id: int, actor: audit.Actor) -> dict[str, Any]:
    """Move the duplicate's approaches into the target and close the duplicate as `duplicate`."""
    if target_id == duplicate_id:
        raise Invalid("a case cannot be merged into itself")
    ids = sorted([target_id, duplicate_id])  # lock in a fixed order: no deadlock between two merges
    rows = {r["id"]: r for r in conn.execute(
        select(cases).where(cases.c.id.in_(ids)).order_by(cases.c.id).with_for_update()).mappings()}
    if target_id not in rows or duplicate_id not in rows:
        raise NotFound("case not found")
    t, d = rows[target_id], rows[duplicate_id]
    if t["merged_into"] is not None or d["merged_into"] is not None:
        raise Invalid("a case already merged into another cannot take part in a merge")
    moved = [x for (x,) in conn.execute(
        select(case_approaches.c.approach_id).where(case_approaches.c.case_id == duplicate_id))]
    conn.execute(update(case_approaches).where(case_approaches.c.case_id == duplicate_id).values(case_id=target_id))
    t_now = now()
    conn.execute(update(cases).where(cases.c.id == duplicate_id).values(
        status="closed", resolution="duplicate", merged_into=target_id, closed_at=t_now, updated_at=t_now))
    score, level = max((t["score"], t["level"]), (d["score"], d["level"]))
    conn.execute(update(cases).where(cases.c.id == target_id).values(score=score, level=level, updated_at=t_now))
    audit.record(conn, actor, "case.merge", "case", duplicate_id, case_id=duplicate_id,
                 before={"status": d["status"], "resolution": d["resolution"], "merged_into": None,
                         "approaches": moved},
                 after={"status": "closed", "resolution": "duplicate", "merged_into": target_id, "approaches": []})
    audit.record(conn, actor, "case.merge_in", "case", target_id, case_id=target_id,
                 before={"score": t["score"]}, after={"score": score, "merged_case": duplicate_id,
                                                      "approaches_added": moved})
    return get_case_row(conn, target_id)


def add_note(conn: Connection, case_id: int, user: User, text: str, actor: audit.Actor) -> int:
    text = clean(text).strip()
    if not text or len(text) > 20_000:
        raise Invalid("a note is 1 to 20,000 characters")
    get_case_row(conn, case_id)
    nid = conn.execute(insert(notes).values(case_id=case_id, author_id=user.id, text=text, created_at=now())
                       .returning(notes.c.id)).scalar_one()
    audit.record(conn, actor, "note.add", "note", nid, after={"text": text}, case_id=case_id)
    return int(nid)


def add_task(conn: Connection, case_id: int, user: User, title: str, actor: audit.Actor) -> int:
    title = clean(title).strip()
    if not title or len(title) > 500:
        raise Invalid("a task title is 1 to 500 characters")
    get_case_row(conn, case_id)
    tid = conn.execute(insert(tasks).values(case_id=case_id, title=title, done=False, created_by=user.id,
                                            created_at=now()).returning(tasks.c.id)).scalar_one()
    audit.record(conn, actor, "task.add", "task", tid, after={"title": title, "done": False}, case_id=case_id)
    return int(tid)


def set_task(conn: Connection, case_id: int, task_id: int, done: bool, actor: audit.Actor) -> dict[str, Any]:
    r = conn.execute(select(tasks).where(tasks.c.id == task_id, tasks.c.case_id == case_id)).mappings().first()
    if r is None:
        raise NotFound("task not found")
    if bool(r["done"]) != done:
        conn.execute(update(tasks).where(tasks.c.id == task_id).values(done=done))
        audit.record(conn, actor, "task.update", "task", task_id, before={"done": bool(r["done"])},
                     after={"done": done}, case_id=case_id)
    return {**_case_dict(r), "done": done}


def campaign_cases(conn: Connection, name: str, limit: int = 200) -> list[dict[str, Any]]:
    rows = conn.execute(_case_select().where(cases.c.campaign == name)
                        .order_by(cases.c.score.desc(), cases.c.id).limit(limit)).mappings().all()
    return [_case_dict(r) for r in rows]


def campaigns(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(select(cases.c.campaign, func.count().label("cases"), func.max(cases.c.score).label("top"))
                        .where(cases.c.campaign != "").group_by(cases.c.campaign)
                        .order_by(func.max(cases.c.score).desc()).limit(500)).mappings().all()
    return [dict(r) for r in rows]


def filter_values(conn: Connection) -> dict[str, list[str]]:
    """Distinct sectors, campaigns and assignees for the queue's filter menus."""
    sectors = [s for (s,) in conn.execute(select(cases.c.sector).distinct().where(cases.c.sector != "")
                                          .order_by(cases.c.sector).limit(200))]
    camps = [s for (s,) in conn.execute(select(cases.c.campaign).distinct().where(cases.c.campaign != "")
                                        .order_by(cases.c.campaign).limit(200))]
    people = [dict(r) for r in conn.execute(select(users.c.id, users.c.username)
                                            .where(users.c.role != "reporter", users.c.active.is_(True))
                                            .order_by(users.c.username)).mappings()]
    return {"sectors": sectors, "campaigns": camps, "assignees": people}
