"""Triage and cases: the queue, a case, its changes, tasks, notes, merge, audit trail and campaigns."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field

from lurewatch.server import audit, service
from lurewatch.server.api.common import ERRORS, Id, Page, RequestBody, page_body
from lurewatch.server.api.submissions import ListOut
from lurewatch.server.auth import User
from lurewatch.server.deps import actor, require, state
from lurewatch.sharing.tlp import Level as TlpLevel

router = APIRouter(tags=["cases"], responses=ERRORS)
analyst = require("analyst")


class CasePatch(RequestBody):
    title: str | None = Field(None, max_length=300)
    status: Literal["new", "in_progress", "closed"] | None = None
    resolution: Literal["hostile", "suspicious", "legitimate", "duplicate"] | None = None
    severity: Literal["low", "medium", "high", "critical"] | None = None
    assignee_id: int | None = Field(None, ge=1, le=2**31 - 1)
    unassign: bool = False
    tlp: TlpLevel | None = None
    pap: Literal["clear", "green", "amber", "red"] | None = None
    sector: str | None = Field(None, max_length=100)
    campaign: str | None = Field(None, max_length=100)


class NoteIn(RequestBody):
    text: str = Field(min_length=1, max_length=20_000)


class TaskIn(RequestBody):
    title: str = Field(min_length=1, max_length=500)


class TaskPatch(RequestBody):
    done: bool


class MergeIn(RequestBody):
    duplicate_id: int = Field(ge=1, le=2**31 - 1, description="the case to fold into this one")


def patch_changes(body: CasePatch) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True, exclude={"unassign"})
    changes = {k: v for k, v in changes.items() if v is not None}
    if body.unassign:
        changes["assignee_id"] = None
    return changes


@router.get("/cases", response_model=ListOut, summary="The triage queue, highest risk first")
def list_cases(
    request: Request,
    status: Literal["new", "in_progress", "closed", "open"] | None = None,
    level: Literal["low", "medium", "high"] | None = None,
    sector: str | None = Query(None, max_length=100),
    campaign: str | None = Query(None, max_length=100),
    assignee: str | None = Query(None, max_length=150, description="a username, `me` or `none`"),
    page: Page = Depends(Page.dep),
    user: User = Depends(analyst),
) -> dict[str, Any]:
    with state(request).db.read() as conn:
        items, total = service.list_cases(conn, status=status, level=level, sector=sector, campaign=campaign,
                                          assignee=assignee, me=user, limit=page.limit, offset=page.offset)
    return page_body(items, total, page)


@router.get("/cases/{case_id}", summary="A case: approaches, findings, tasks, notes, similar cases")
def get_case(case_id: Id, request: Request, user: User = Depends(analyst)) -> dict[str, Any]:
    with state(request).db.read() as conn:
        return service.case_detail(conn, case_id)


@router.patch("/cases/{case_id}", summary="Change status, resolution, severity, assignee, TLP, PAP...")
def patch_case(case_id: Id, body: CasePatch, request: Request, user: User = Depends(analyst)) -> dict[str, Any]:
    with state(request).db.write() as conn:
        return service.update_case(conn, case_id, patch_changes(body), actor(request, user))


@router.post("/cases/{case_id}/notes", status_code=201, summary="Add a note")
def add_note(case_id: Id, body: NoteIn, request: Request, user: User = Depends(analyst)) -> dict[str, Any]:
    with state(request).db.write() as conn:
        return {"id": service.add_note(conn, case_id, user, body.text, actor(request, user))}


@router.post("/cases/{case_id}/tasks", status_code=201, summary="Add a task")
def add_task(case_id: Id, body: TaskIn, request: Request, user: User = Depends(analyst)) -> dict[str, Any]:
    with state(request).db.write() as conn:
        return {"id": service.add_task(conn, case_id, user, body.title, actor(request, user))}


@router.patch("/cases/{case_id}/tasks/{task_id}", summary="Mark a task done or not done")
def patch_task(case_id: Id, task_id: Id, body: TaskPatch, request: Request,
               user: User = Depends(analyst)) -> dict[str, Any]:
    with state(request).db.write() as conn:
        return service.set_task(conn, case_id, task_id, body.done, actor(request, user))


@router.post("/cases/{case_id}/merge", summary="Merge a duplicate case into this one")
def merge(case_id: Id, body: MergeIn, request: Request, user: User = Depends(analyst)) -> dict[str, Any]:
    with state(request).db.write() as conn:
        return service.merge(conn, case_id, body.duplicate_id, actor(request, user))


@router.get("/cases/{case_id}/audit", summary="The audit trail of a case (before/after of every change)")
def case_audit(case_id: Id, request: Request, user: User = Depends(analyst)) -> list[dict[str, Any]]:
    st = state(request)
    with st.db.read() as conn:
        service.get_case_row(conn, case_id)
    return list(audit.iter_entries(st.db.engine, case_id=case_id, limit=5000))


@router.get("/campaigns", summary="Campaigns and how many cases each holds")
def list_campaigns(request: Request, user: User = Depends(analyst)) -> list[dict[str, Any]]:
    with state(request).db.read() as conn:
        return service.campaigns(conn)


@router.post("/campaigns/link", status_code=202, summary="Link open cases into campaigns in the background (lead)")
def link_campaigns(request: Request, user: User = Depends(require("lead"))) -> dict[str, Any]:
    from lurewatch.server import jobs

    with state(request).db.write() as conn:
        jid = jobs.enqueue(conn, "link-campaigns", user.id, None, None, actor(request, user))
    return {"job_id": jid}


@router.get("/campaigns/{name}", summary="The cases of one campaign")
def campaign(name: str, request: Request, user: User = Depends(analyst)) -> dict[str, Any]:
    with state(request).db.read() as conn:
        items = service.campaign_cases(conn, name[:100])
    if not items:
        raise service.NotFound("campaign not found")
    return {"name": name, "cases": items}
