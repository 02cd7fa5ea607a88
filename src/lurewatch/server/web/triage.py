"""The analyst pages: the queue, a case (and its changes), campaigns."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from lurewatch.server import audit, service
from lurewatch.server.api.common import Id
from lurewatch.server.auth import User
from lurewatch.server.deps import actor, require, state
from lurewatch.server.web.pages import redirect, render

router = APIRouter()
analyst = require("analyst")
PAGE = 50
_VALUES_TTL = 15.0  # seconds: the filter menus (distinct sectors, campaigns, assignees) are read at most this often
_values_cache: dict[str, tuple[float, dict[str, Any]]] = {}


def filter_values(request: Request, conn: Any) -> dict[str, Any]:
    key = state(request).db.url
    hit = _values_cache.get(key)
    if hit and time.monotonic() - hit[0] < _VALUES_TTL:
        return hit[1]
    values = service.filter_values(conn)
    _values_cache[key] = (time.monotonic(), values)
    return values


def _opt(v: str | None, allowed: tuple[str, ...]) -> str | None:
    return v if v in allowed else None


@router.get("/queue")
def queue(request: Request, user: User = Depends(analyst), status: str = "open", level: str = "",
          sector: str = "", campaign: str = "", assignee: str = "", offset: int = 0) -> Response:
    f = {"status": _opt(status, (*service.STATUSES, "open")), "level": _opt(level, service.LEVELS),
         "sector": sector[:100] or None, "campaign": campaign[:100] or None, "assignee": assignee[:150] or None}
    offset = max(0, min(offset, 10_000_000))
    with state(request).db.read() as conn:
        items, total = service.list_cases(conn, **f, me=user, limit=PAGE, offset=offset)
        values = filter_values(request, conn)
    template = "_queue_rows.html" if request.headers.get("hx-request") else "queue.html"
    return render(request, template, user, items=items, total=total, offset=offset, page=PAGE, f=f,
                  values=values, statuses=service.STATUSES, levels=service.LEVELS)


@router.get("/cases/{case_id}")
def case_page(case_id: Id, request: Request, user: User = Depends(analyst)) -> Response:
    st = state(request)
    with st.db.read() as conn:
        case = service.case_detail(conn, case_id)
        values = filter_values(request, conn)
        photos = _photos(conn, case["reports"])
        profiles = _profiles(st.cfg.data_dir, conn, case["reports"])
    entries = list(audit.iter_entries(st.db.engine, case_id=case_id, limit=500))
    return render(request, "case.html", user, case=case, values=values, entries=entries, photos=photos,
                  profiles=profiles,
                  statuses=service.STATUSES, resolutions=service.RESOLUTIONS, severities=service.SEVERITIES,
                  tlps=service.TLP, paps=service.PAP, campaigns_on=_linking_available())


def _photos(conn: Any, report_ids: list[int]) -> list[int]:
    from sqlalchemy import select

    from lurewatch.server.tables import uploads

    if not report_ids:
        return []
    return [int(x) for (x,) in conn.execute(select(uploads.c.id).where(
        uploads.c.report_id.in_(report_ids[:500]), uploads.c.kind == "photo").order_by(uploads.c.id).limit(20))]


def _profiles(data_dir: Any, conn: Any, report_ids: list[int]) -> list[Any]:
    """The sender profiles reported with the case (JSON Resume uploads), parsed again for display."""
    from sqlalchemy import select

    from lurewatch.server.analysis import profile_from_jsonresume
    from lurewatch.server.tables import uploads
    from lurewatch.server.uploads import path_of

    if not report_ids:
        return []
    out = []
    for (name,) in conn.execute(select(uploads.c.stored_name).where(
            uploads.c.report_id.in_(report_ids[:500]), uploads.c.kind == "jsonresume").order_by(uploads.c.id).limit(5)):
        try:
            from lurewatch.ingest.safety import read_bounded

            out.append(profile_from_jsonresume(read_bounded(path_of(data_dir, name), 10 * 1024 * 1024), "report"))
        except Exception:  # a profile that cannot be read again is simply not shown
            continue
    return out


def _linking_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("lurewatch.linking") is not None


@router.post("/cases/{case_id}/update")
def case_update(case_id: Id, request: Request, status: str = Form(""), resolution: str = Form(""),
                severity: str = Form(""), assignee_id: str = Form(""), tlp: str = Form(""), pap: str = Form(""),
                sector: str | None = Form(None, max_length=100), campaign: str | None = Form(None, max_length=100),
                title: str = Form("", max_length=300), user: User = Depends(analyst)) -> Response:
    changes: dict[str, Any] = {k: v for k, v in (("status", status), ("resolution", resolution),
                                                 ("severity", severity), ("tlp", tlp), ("pap", pap),
                                                 ("title", title)) if v}
    if sector is not None:
        changes["sector"] = sector
    if campaign is not None:
        changes["campaign"] = campaign
    if assignee_id == "none":
        changes["assignee_id"] = None
    elif assignee_id.isdigit():
        changes["assignee_id"] = int(assignee_id)
    with state(request).db.write() as conn:
        service.update_case(conn, case_id, changes, actor(request, user))
    return redirect(f"/cases/{case_id}")


@router.post("/cases/{case_id}/notes")
def case_note(case_id: Id, request: Request, text: str = Form(max_length=20_000),
              user: User = Depends(analyst)) -> Response:
    with state(request).db.write() as conn:
        service.add_note(conn, case_id, user, text, actor(request, user))
    return redirect(f"/cases/{case_id}#notes")


@router.post("/cases/{case_id}/tasks")
def case_task(case_id: Id, request: Request, title: str = Form(max_length=500),
              user: User = Depends(analyst)) -> Response:
    with state(request).db.write() as conn:
        service.add_task(conn, case_id, user, title, actor(request, user))
    return redirect(f"/cases/{case_id}#tasks")


@router.post("/cases/{case_id}/tasks/{task_id}")
def case_task_toggle(case_id: Id, task_id: Id, request: Request, done: str = Form(""),
                     user: User = Depends(analyst)) -> Response:
    with state(request).db.write() as conn:
        service.set_task(conn, case_id, task_id, done == "1", actor(request, user))
    return redirect(f"/cases/{case_id}#tasks")


@router.post("/cases/{case_id}/merge")
def case_merge(case_id: Id, request: Request, duplicate_id: int = Form(ge=1, le=2**31 - 1),
               user: User = Depends(analyst)) -> Response:
    with state(request).db.write() as conn:
        service.merge(conn, case_id, duplicate_id, actor(request, user))
    return redirect(f"/cases/{case_id}")


@router.get("/campaigns")
def campaigns_page(request: Request, user: User = Depends(analyst)) -> Response:
    with state(request).db.read() as conn:
        rows = service.campaigns(conn)
    return render(request, "campaigns.html", user, campaigns=rows, linking=_linking_available())


@router.post("/campaigns/link")
def campaigns_link(request: Request, user: User = Depends(require("lead"))) -> Response:
    from lurewatch.server import jobs

    with state(request).db.write() as conn:
        jid = jobs.enqueue(conn, "link-campaigns", user.id, None, None, actor(request, user))
    return redirect(f"/jobs/{jid}")


@router.get("/campaigns/{name}")
def campaign_page(name: str, request: Request, user: User = Depends(analyst)) -> Response:
    with state(request).db.read() as conn:
        items = service.campaign_cases(conn, name[:100])
    if not items:
        raise service.NotFound("campaign not found")
    return render(request, "campaign.html", user, name=name, items=items)
