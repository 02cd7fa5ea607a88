"""Server side of sharing: an export leaves only with a lead's approval, and both the request and the
approval are in the audit log.

`router` is a FastAPI APIRouter for the server's `/api/v1` router (`router.include_router(...)`):
- POST /sharing/exports                 analyst: request an export of a case or campaign (TLP checked)
- GET  /sharing/exports                 lead: the requests, newest first
- POST /sharing/exports/{id}/approve    lead (not the requester): approve; the artefact is built and frozen
- POST /sharing/exports/{id}/reject     lead: reject
- GET  /sharing/exports/{id}/download   the requester or a lead, once approved: exactly the approved bytes
Requests live in table `share_requests` (migration 0004). The request stores a fingerprint of the content
(`freeze.fingerprint`); the approval rebuilds it and refuses the request as `stale` (409) when the content
or its TLP floor changed, else stores the artefact and its SHA-256 (also in the audit entry).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import time
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import (
    insert,
    select,
    update,
)

from lurewatch.db.sharing_tables import share_requests
from lurewatch.server import audit
from lurewatch.server.api.common import ERRORS, RequestBody
from lurewatch.server.auth import User
from lurewatch.server.deps import Forbidden, actor, require, state
from lurewatch.server.service import Invalid, NotFound
from lurewatch.sharing import freeze, selection, tlp
from lurewatch.sharing.tlp import Level as TlpLevel
from lurewatch.store.db import Store

log = logging.getLogger(__name__)

# Everything but the artefact itself (listing requests must not load every export).
_META = [c for c in share_requests.c if c.name != "artefact"]
STATUSES = ("pending", "approved", "rejected", "stale")
DELAY_ENV = "LUREWATCH_TEST_SHARE_DELAY"  # test hook: seconds to wait inside the approval's transaction

router = APIRouter(prefix="/sharing", tags=["sharing"], responses=ERRORS)
ORG_ENV = "LUREWATCH_ORG"


class ExportRequestIn(RequestBody):
    case_id: int | None = Field(None, ge=1, le=2**31 - 1)
    campaign: str | None = Field(None, min_length=1, max_length=100)
    format: Literal["stix", "misp"] = "stix"
    tlp: TlpLevel = "amber"
    pap: Literal["clear", "green", "amber", "red"] = "amber"
    redact_text: bool = False
    include_targets: bool = False
    reason: str = Field("", max_length=2000)


class ExportRequestOut(BaseModel):
    id: int
    status: str
    case_id: int | None
    campaign: str | None
    format: str
    tlp: str
    requested_by: int
    decided_by: int | None
    sha256: str | None = Field(None, description="SHA-256 of the frozen export, once approved")
    size: int | None = None


class Conflict(HTTPException):
    def __init__(self, detail: str) -> None:
        super().__init__(status_code=409, detail=detail)


def _ensure(request: Request) -> Any:
    return state(request).db  # the table is made by migration 0004


def _out(r: Any) -> dict[str, Any]:
    return ExportRequestOut(
        id=r.id,
        status=r.status,
        case_id=r.case_id,
        campaign=r.campaign,
        format=r.format,
        tlp=r.tlp,
        requested_by=r.requested_by,
        decided_by=r.decided_by,
        sha256=r.artefact_sha256,
        size=r.artefact_size,
    ).model_dump()


def _selection(store: Store, case_id: int | None, campaign: str | None) -> selection.Selection:
    if (case_id is None) == (campaign is None):
        raise Invalid("give exactly one of case_id and campaign")
    try:
        return (
            selection.by_case(store, case_id)
            if case_id is not None
            else selection.by_campaign(store, campaign)
        )
    except selection.SelectionError as e:
        raise NotFound(str(e)) from e


@router.post(
    "/exports", status_code=201, response_model=ExportRequestOut, summary="Request an export (analyst)"
)
def request_export(
    request: Request, body: ExportRequestIn, user: User = Depends(require("analyst"))
) -> dict[str, Any]:
    db = _ensure(request)
    store = Store(engine=db.engine)
    sel = _selection(store, body.case_id, body.campaign)
    try:
        level = selection.check_tlp(sel, body.tlp)
    except tlp.TLPError as e:
        raise Invalid(str(e)) from e
    fp = freeze.content_sha256(store, sel)
    opts = {"pap": body.pap, "redact_text": body.redact_text, "include_targets": body.include_targets}
    with db.write() as conn:
        rid = conn.execute(
            insert(share_requests).values(
                requested_by=user.id,
                case_id=body.case_id,
                campaign=body.campaign,
                format=body.format,
                tlp=level,
                options=opts,
                reason=body.reason,
                status="pending",
                created_at=datetime.now(UTC),
                content_sha256=fp,
            )
        ).inserted_primary_key[0]
        after = {
            "format": body.format,
            "tlp": level,
            "campaign": body.campaign,
            **opts,
            "reason": body.reason,
            "content_sha256": fp,
            "min_tlp": sel.min_tlp,
        }
        audit.record(
            conn,
            actor(request, user),
            "share.export.request",
            "share_request",
            rid,
            after=after,
            case_id=body.case_id,
        )
        row = conn.execute(select(*_META).where(share_requests.c.id == rid)).one()
    return _out(row)


@router.get("/exports", summary="Export requests, newest first (lead)")
def list_exports(
    request: Request,
    status: Literal["pending", "approved", "rejected", "stale"] | None = None,
    user: User = Depends(require("lead")),
) -> dict[str, Any]:
    db = _ensure(request)
    stmt = select(*_META).order_by(share_requests.c.id.desc()).limit(500)
    if status:
        stmt = stmt.where(share_requests.c.status == status)
    with db.read() as conn:
        return {"items": [_out(r) for r in conn.execute(stmt)]}


def _locked(conn: Any, rid: int, user: User, decision: str) -> Any:
    """The request, locked for this transaction (PostgreSQL; SQLite writes are serialised), if pending."""
    row = conn.execute(select(*_META).where(share_requests.c.id == rid).with_for_update()).first()
    if row is None:
        raise NotFound(f"no export request {rid}")
    if row.status != "pending":
        raise Invalid(f"export request {rid} is already {row.status}")
    if decision == "approved" and row.requested_by == user.id:
        raise Forbidden("an export must be approved by a lead other than the requester")
    return row


def _stale_reason(row: Any, frozen: freeze.Frozen) -> str | None:
    if tlp.rank(frozen.min_tlp) > tlp.rank(row.tlp):
        return (
            f"export request {row.id} is TLP:{row.tlp.upper()} but what it covers is now "
            f"TLP:{frozen.min_tlp.upper()}; it is marked stale: request the export again"
        )
    if row.content_sha256 != frozen.content_sha256:
        return (
            f"the content of export request {row.id} changed after it was requested (a merge, a note, "
            "a re-score or a TLP change); it is marked stale: request the export again so a lead reviews "
            "what would now be shared"
        )
    return None


def _approve(request: Request, rid: int, user: User) -> dict[str, Any]:
    db = _ensure(request)
    with db.read() as conn:
        row = _locked(conn, rid, user, "approved")  # fail early, before building anything
    store = Store(engine=db.engine)
    sel = _selection(store, row.case_id, row.campaign)
    org = os.environ.get(ORG_ENV) or "Reporting organisation"
    frozen = freeze.build(store, sel, row.format, row.tlp, dict(row.options or {}), org)
    who = actor(request, user)
    with db.write() as conn:
        row = _locked(conn, rid, user, "approved")
        reason = _stale_reason(row, frozen)
        status = "stale" if reason else "approved"
        values: dict[str, Any] = {"status": status, "decided_by": user.id, "decided_at": datetime.now(UTC)}
        if reason:
            audit.record(conn, who, "share.export.stale", "share_request", rid, case_id=row.case_id,
                         before={"status": "pending", "content_sha256": row.content_sha256, "tlp": row.tlp},
                         after={"status": "stale", "content_sha256": frozen.content_sha256,
                                "min_tlp": frozen.min_tlp})
        else:
            values |= {"artefact": frozen.data, "artefact_sha256": frozen.sha256, "artefact_size": len(frozen.data)}
            audit.record(conn, who, "share.export.approve", "share_request", rid, case_id=row.case_id,
                         before={"status": "pending"},
                         after={"status": "approved", "tlp": row.tlp, "sha256": frozen.sha256,
                                "size": len(frozen.data), "content_sha256": frozen.content_sha256})
        conn.execute(update(share_requests).where(share_requests.c.id == rid).values(**values))
        if delay := float(os.environ.get(DELAY_ENV, "0") or 0):
            time.sleep(delay)
        row = conn.execute(select(*_META).where(share_requests.c.id == rid)).one()
    if reason:
        raise Conflict(reason)
    return _out(row)


def _reject(request: Request, rid: int, user: User) -> dict[str, Any]:
    db = _ensure(request)
    with db.write() as conn:
        row = _locked(conn, rid, user, "rejected")
        conn.execute(
            update(share_requests)
            .where(share_requests.c.id == rid)
            .values(status="rejected", decided_by=user.id, decided_at=datetime.now(UTC))
        )
        audit.record(conn, actor(request, user), "share.export.reject", "share_request", rid,
                     before={"status": "pending"}, after={"status": "rejected", "tlp": row.tlp},
                     case_id=row.case_id)
        row = conn.execute(select(*_META).where(share_requests.c.id == rid)).one()
    return _out(row)


@router.post(
    "/exports/{rid}/approve",
    response_model=ExportRequestOut,
    summary="Approve an export (lead); 409 and status stale if its content changed since the request",
    responses={409: {"description": "the content or its TLP changed since the request: request again"}},
)
def approve_export(
    request: Request, rid: int = Path(ge=1, le=2**31 - 1), user: User = Depends(require("lead"))
) -> dict[str, Any]:
    return _approve(request, rid, user)


@router.post("/exports/{rid}/reject", response_model=ExportRequestOut, summary="Reject an export (lead)")
def reject_export(
    request: Request, rid: int = Path(ge=1, le=2**31 - 1), user: User = Depends(require("lead"))
) -> dict[str, Any]:
    return _reject(request, rid, user)


@router.get(
    "/exports/{rid}/download",
    summary="The approved export, byte for byte as approved (requester or lead)",
    response_class=Response,
    responses={200: {"content": {"application/stix+json;version=2.1": {}, "application/json": {}}}},
)
def download_export(
    request: Request, rid: int = Path(ge=1, le=2**31 - 1), user: User = Depends(require("analyst"))
) -> Response:
    db = _ensure(request)
    with db.read() as conn:
        row = conn.execute(select(share_requests).where(share_requests.c.id == rid)).first()
    if row is None or (row.requested_by != user.id and not user.can("lead")):
        raise NotFound(f"no export request {rid}")
    if row.status != "approved":
        raise Invalid(f"export request {rid} is {row.status}: it needs a lead's approval first")
    if row.artefact is None:
        raise Conflict(f"export request {rid} was approved before exports were frozen; request it again")
    data = bytes(row.artefact)
    digest = hashlib.sha256(data)
    if digest.hexdigest() != row.artefact_sha256:
        log.error("share request %s: the stored export does not match its approved SHA-256", rid)
        raise HTTPException(500, "the stored export does not match the approved hash; it is not served")
    with db.write() as conn:
        audit.record(
            conn,
            actor(request, user),
            "share.export.download",
            "share_request",
            rid,
            after={"format": row.format, "tlp": row.tlp, "sha256": row.artefact_sha256},
            case_id=row.case_id,
        )
    name = f"lurewatch-{row.format}-{rid}.json"
    media = "application/stix+json;version=2.1" if row.format == "stix" else "application/json"
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "X-Content-SHA256": row.artefact_sha256,
        "Repr-Digest": f"sha-256=:{base64.b64encode(digest.digest()).decode()}:",
    }
    return Response(data, media_type=media, headers=headers)
