"""The exposure pages: check your own export (shown, not stored), withdraw a share, the organisation view."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from lurewatch.server import exposure, service
from lurewatch.server.auth import User
from lurewatch.server.deps import actor, current_user, require, state
from lurewatch.server.web.pages import redirect, render

router = APIRouter()


def _page(request: Request, user: User, status: int = 200, **ctx: object) -> Response:
    with state(request).db.read() as conn:
        mine = exposure.shared_by(conn, user)
    return render(request, "exposure.html", user, status=status, mine=mine, **{"result": None, "error": None, **ctx})


@router.get("/exposure")
def exposure_form(request: Request, user: User = Depends(current_user)) -> Response:
    return _page(request, user)


@router.post("/exposure")
def exposure_check(request: Request, export: UploadFile | None = File(None), share: str = Form("", max_length=8),
                   user: User = Depends(current_user)) -> Response:
    if export is None or not export.filename:
        return _page(request, user, status=422, error="choose your LinkedIn export zip")
    try:
        result = exposure.check_upload(state(request), user, actor(request, user), export.file, export.filename,
                                       share == "yes")
    except service.Invalid as e:
        return _page(request, user, status=422, error=str(e))
    return _page(request, user, result=result)


@router.post("/exposure/withdraw")
def exposure_withdraw(request: Request, user: User = Depends(current_user)) -> Response:
    with state(request).db.write() as conn:
        exposure.withdraw(conn, user, actor(request, user))
    return redirect("/exposure")


@router.get("/exposure/organisation")
def exposure_organisation(request: Request, user: User = Depends(require("lead"))) -> Response:
    with state(request).db.read() as conn:
        org = exposure.organisation(conn, user)
    return render(request, "exposure_org.html", user, org=org)
