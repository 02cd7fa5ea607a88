"""Submissions: staff submit a message/profile/file, see their submissions and the verdicts, follow scan jobs.

The canonical paths are `/api/v1/submissions...`; the `/api/v1/reports...` paths of earlier versions stay
as aliases (marked deprecated in the OpenAPI document) so that clients keep working. "Report" now means
only the board report (`lurewatch report`). The tables keep their names (`reports`, `report_items`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import AliasChoices, BaseModel, Field
from sqlalchemy import select

from lurewatch.server import service
from lurewatch.server.api.common import ERRORS, Id, Page, RequestBody, page_body
from lurewatch.server.auth import User
from lurewatch.server.deps import actor, current_user, state
from lurewatch.server.submissions import submit_files, submit_text
from lurewatch.server.tables import jobs, uploads

router = APIRouter(tags=["submissions"], responses=ERRORS)


class SubmissionIn(RequestBody):
    message: str = Field("", max_length=100_000, description="the message as received (pasted text)")
    sender_name: str = Field("", max_length=300)
    # The contract's name (docs/contract.md); `profile_url`, the name of earlier versions, is kept as an alias.
    sender_profile_url: str | None = Field(
        None, max_length=2000, validation_alias=AliasChoices("sender_profile_url", "profile_url"),
        description="the sender's profile URL (never fetched); `profile_url` is accepted as an alias")
    jsonresume: dict[str, Any] | None = Field(None, description="the sender's profile as a JSON Resume")
    sector: str = Field("", max_length=100, description="your sector or team, to help triage")
    comment: str = Field("", max_length=5000)


class ListOut(BaseModel):
    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


@router.post("/submissions", status_code=201, summary="Submit a message (and what you know of the sender)")
@router.post("/reports", status_code=201, deprecated=True, summary="Alias of POST /submissions")
def create_report(body: SubmissionIn, request: Request, user: User = Depends(current_user)) -> dict[str, Any]:
    return submit_text(state(request), user, actor(request, user), body.message, body.sender_name,
                       body.sender_profile_url, body.jsonresume, body.sector, body.comment)


@router.post("/reports/upload", status_code=201, deprecated=True, summary="Alias of POST /submissions/upload")
@router.post("/submissions/upload", status_code=201,
             summary="Submit files: a message text plus a photo / JSON Resume / .eml / LinkedIn export zip")
def upload_report(
    request: Request,
    message: str = Form("", max_length=100_000),
    sender_name: str = Form("", max_length=300),
    sender_profile_url: str = Form("", max_length=2000),
    profile_url: str = Form("", max_length=2000, description="alias of sender_profile_url (earlier versions)"),
    sector: str = Form("", max_length=100),
    comment: str = Form("", max_length=5000),
    photo: UploadFile | None = File(None),
    jsonresume: UploadFile | None = File(None),
    eml: UploadFile | None = File(None),
    export: UploadFile | None = File(None),
    screenshot: list[UploadFile] | None = File(None, description="screenshots (PNG, JPEG, WebP) of one LinkedIn "
                                              "thread or the sender's profile, in order; at most 8"),
    user: User = Depends(current_user),
) -> dict[str, Any]:
    return submit_files(state(request), user, actor(request, user), message=message, sender_name=sender_name,
                        profile_url=sender_profile_url or profile_url or None, sector=sector, comment=comment,
                        photo=photo,
                        jsonresume=jsonresume, eml=eml, export=export, screenshots=screenshot)


@router.get("/submissions", response_model=ListOut, summary="Submissions: your own (reporters) or all (analysts)")
@router.get("/reports", response_model=ListOut, deprecated=True, summary="Alias of GET /submissions")
def list_reports(request: Request, mine: bool = False, page: Page = Depends(Page.dep),
                 user: User = Depends(current_user)) -> dict[str, Any]:
    with state(request).db.read() as conn:
        items, total = service.list_reports(conn, user, page.limit, page.offset, mine=mine)
    return page_body(items, total, page)


@router.get("/submissions/{report_id}", summary="A submission with the verdict, red flags and advice of each approach")
@router.get("/reports/{report_id}", deprecated=True, summary="Alias of GET /submissions/{id}")
def get_report(report_id: Id, request: Request, user: User = Depends(current_user)) -> dict[str, Any]:
    with state(request).db.read() as conn:
        return service.report_view(conn, user, report_id)


@router.get("/approaches/{approach_id}", summary="One approach (the JSON contract)")
def get_approach(approach_id: str, request: Request, user: User = Depends(current_user)) -> dict[str, Any]:
    with state(request).db.read() as conn:
        return service.approach_visible(conn, user, approach_id)


@router.get("/jobs/{job_id}", summary="A background scan: status and progress")
def get_job(job_id: Id, request: Request, user: User = Depends(current_user)) -> dict[str, Any]:
    with state(request).db.read() as conn:
        j = conn.execute(select(jobs).where(jobs.c.id == job_id)).mappings().first()
        if j is None or (not user.can("analyst") and j["created_by"] != user.id):
            raise service.NotFound("job not found")
    return job_body(j)


def job_body(j: Any) -> dict[str, Any]:
    return {"id": j["id"], "kind": j["kind"], "status": j["status"], "report_id": j["report_id"],
            "progress_done": j["progress_done"], "progress_total": j["progress_total"], "kept": j["kept"],
            "attempts": j["attempts"], "message": j["message"]}


@router.get("/uploads/{upload_id}", summary="Download an uploaded file (always as an attachment)",
            response_class=Response, responses={200: {"content": {"application/octet-stream": {}}}})
def download(upload_id: Id, request: Request, user: User = Depends(current_user)) -> Response:
    return download_response(request, user, upload_id)


def download_response(request: Request, user: User, upload_id: Id) -> Response:
    from lurewatch.server.uploads import path_of

    st = state(request)
    with st.db.read() as conn:
        u = conn.execute(select(uploads).where(uploads.c.id == upload_id)).mappings().first()
    if u is None or (not user.can("analyst") and u["owner_id"] != user.id):
        raise service.NotFound("file not found")
    data = path_of(st.cfg.data_dir, u["stored_name"]).read_bytes()
    return Response(data, media_type="application/octet-stream", headers={
        "content-disposition": f'attachment; filename="upload-{upload_id}.bin"',
        "x-content-type-options": "nosniff"})
