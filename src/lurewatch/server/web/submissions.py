"""The reporting pages: the form, the verdict, my reports, scan progress, uploaded files."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import select

from lurewatch.server import service
from lurewatch.server.api.common import Id
from lurewatch.server.api.submissions import download_response, job_body
from lurewatch.server.auth import User
from lurewatch.server.deps import actor, current_user, state
from lurewatch.server.submissions import submit_files
from lurewatch.server.tables import jobs, uploads
from lurewatch.server.web.pages import redirect, render

router = APIRouter()


@router.get("/report")
def report_form(request: Request, user: User = Depends(current_user)) -> Response:
    return render(request, "report_form.html", user, error=None, form={})


@router.post("/report")
def report_submit(
    request: Request,
    message: str = Form("", max_length=100_000),
    sender_name: str = Form("", max_length=300),
    profile_url: str = Form("", max_length=2000),
    sector: str = Form("", max_length=100),
    comment: str = Form("", max_length=5000),
    photo: UploadFile | None = File(None),
    jsonresume: UploadFile | None = File(None),
    eml: UploadFile | None = File(None),
    export: UploadFile | None = File(None),
    screenshot: list[UploadFile] | None = File(None, description="screenshots (PNG, JPEG, WebP) of one LinkedIn "
                                              "thread or the sender's profile, in order; at most 8"),
    user: User = Depends(current_user),
) -> Response:
    form = {"message": message, "sender_name": sender_name, "profile_url": profile_url, "sector": sector,
            "comment": comment}
    try:
        out = submit_files(state(request), user, actor(request, user), message=message, sender_name=sender_name,
                           profile_url=profile_url or None, sector=sector, comment=comment, photo=photo,
                           jsonresume=jsonresume, eml=eml, export=export, screenshots=screenshot)
    except service.Invalid as e:
        return render(request, "report_form.html", user, status=422, error=str(e), form=form)
    if out.get("job_id"):
        return redirect(f"/jobs/{out['job_id']}")
    return redirect(f"/reports/{out['id']}")


@router.get("/reports")
def my_reports(request: Request, user: User = Depends(current_user), offset: int = 0) -> Response:
    offset = max(0, min(offset, 10_000_000))
    with state(request).db.read() as conn:
        items, total = service.list_reports(conn, user, 50, offset, mine=True)
    return render(request, "my_reports.html", user, items=items, total=total, offset=offset)


@router.get("/reports/{report_id}")
def report_page(report_id: Id, request: Request, user: User = Depends(current_user)) -> Response:
    with state(request).db.read() as conn:
        rep = service.report_view(conn, user, report_id)
    return render(request, "report.html", user, report=rep)


def _job(request: Request, user: User, job_id: Id) -> dict:
    with state(request).db.read() as conn:
        j = conn.execute(select(jobs).where(jobs.c.id == job_id)).mappings().first()
    if j is None or (not user.can("analyst") and j["created_by"] != user.id):
        raise service.NotFound("job not found")
    return job_body(j)


@router.get("/jobs/{job_id}")
def job_page(job_id: Id, request: Request, user: User = Depends(current_user)) -> Response:
    return render(request, "job.html", user, job=_job(request, user, job_id))


@router.get("/jobs/{job_id}/progress")
def job_progress(job_id: Id, request: Request, user: User = Depends(current_user)) -> Response:
    return render(request, "_job_progress.html", user, job=_job(request, user, job_id))


@router.get("/uploads/{upload_id}")
def upload_download(upload_id: Id, request: Request, user: User = Depends(current_user)) -> Response:
    return download_response(request, user, upload_id)


@router.get("/uploads/{upload_id}/thumb.png")
def upload_thumb(upload_id: Id, request: Request, user: User = Depends(current_user)) -> Response:
    from lurewatch.server.uploads import path_of, thumbnail_png

    st = state(request)
    with st.db.read() as conn:
        u = conn.execute(select(uploads).where(uploads.c.id == upload_id, uploads.c.kind == "photo")
                         ).mappings().first()
    if u is None or (not user.can("analyst") and u["owner_id"] != user.id):
        raise service.NotFound("photo not found")
    try:
        png = thumbnail_png(path_of(st.cfg.data_dir, u["stored_name"]))
    except Exception as e:
        raise service.NotFound("photo cannot be shown") from e
    return Response(png, media_type="image/png", headers={"cache-control": "private, max-age=3600"})
