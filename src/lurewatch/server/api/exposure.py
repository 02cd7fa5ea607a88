"""Exposure: check your own LinkedIn export (nothing kept unless you share the signs); the organisation view."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile

from lurewatch.server import exposure
from lurewatch.server.api.common import ERRORS
from lurewatch.server.auth import User
from lurewatch.server.deps import actor, current_user, require, state

router = APIRouter(tags=["exposure"], responses=ERRORS)


@router.post("/exposure/check", summary="Check your own LinkedIn export zip for exposure signs (not stored)")
def check(request: Request, export: UploadFile = File(..., description="your LinkedIn data export (.zip)"),
          share: bool = Form(False, description="keep the sign ids (not the evidence) for the organisation view"),
          user: User = Depends(current_user)) -> dict[str, Any]:
    return exposure.check_upload(state(request), user, actor(request, user), export.file, export.filename or "",
                                 share)


@router.get("/exposure/mine", summary="Whether you shared, and what (the sign ids)")
def mine(request: Request, user: User = Depends(current_user)) -> dict[str, Any]:
    with state(request).db.read() as conn:
        found = exposure.shared_by(conn, user)
    return {"shared": False} if found is None else {"shared": True, **found}


@router.delete("/exposure/mine", status_code=204, summary="Withdraw what you shared")
def withdraw(request: Request, user: User = Depends(current_user)) -> None:
    with state(request).db.write() as conn:
        exposure.withdraw(conn, user, actor(request, user))


@router.get("/exposure/organisation", summary="How many people who shared show each sign (lead, admin); "
            "names for the lead role only")
def organisation(request: Request, user: User = Depends(require("lead"))) -> dict[str, Any]:
    with state(request).db.read() as conn:
        return exposure.organisation(conn, user)
