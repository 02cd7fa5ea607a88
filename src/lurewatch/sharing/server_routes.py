"""Server side of sharing: an export leaves only with a lead's approval, and both the request and the
approval are in the audit log.

`router` is a FastAPI APIRouter for the server's `/api/v1` router (`router.include_router(...)`):
- POST /sharing/exports                 analyst: request an export of a case or campaign (TLP checked)
- GET  /sharing/exports                 lead: the requests, newest first
- POST /sharing/exports/{id}/approve    lead (not the requester): approve
- POST /sharing/exports/{id}/reject     lead: reject
- GET  /sharing/exports/{id}/download   the requester or a lead, once approved: the STIX bundle / MISP event
Requests live in table `share_requests` (created with `create_all` beside the server's tables).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table, Text, insert, select, update

from lurewatch.server import audit
from lurewatch.server.api.common import ERRORS
from lurewatch.server.auth import User
from lurewatch.server.deps import Forbidden, actor, require, state
from lurewatch.server.service import Invalid, NotFound
from lurewatch.sharing import selection, tlp
from lurewatch.store.db import Store

metadata = MetaData()
share_requests = Table(
    "share_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("requested_by", Integer, nullable=False, index=True),
    Column("case_id", Integer),
    Column("campaign", String(100)),
    Column("format", String(8), nullable=False),
    Column("tlp", String(16), nullable=False),
    Column("options", JSON, nullable=False),  # pap, redact_text, include_targets
    Column("reason", Text, nullable=False, default=""),
    Column("status", String(16), nullable=False, index=True),  # pending approved rejected
    Column("decided_by", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("decided_at", DateTime(timezone=True)),
)

router = APIRouter(prefix="/sharing", tags=["sharing"], responses=ERRORS)
ORG_ENV = "LUREWATCH_ORG"


class ExportRequestIn(BaseModel):
    case_id: int | None = Field(None, ge=1, le=2**31 - 1)
    campaign: str | None = Field(None, min_length=1, max_length=100)
    format: Literal["stix", "misp"] = "stix"
    tlp: Literal["clear", "green", "amber", "amber+strict", "red"] = "amber"
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


def _ensure(request: Request) -> Any:
    db = state(request).db
    metadata.create_all(db.engine, checkfirst=True)
    return db


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
    sel = _selection(Store(engine=db.engine), body.case_id, body.campaign)
    try:
        level = selection.check_tlp(sel, body.tlp)
    except tlp.TLPError as e:
        raise Invalid(str(e)) from e
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
            )
        ).inserted_primary_key[0]
        after = {
            "format": body.format,
            "tlp": level,
            "campaign": body.campaign,
            **opts,
            "reason": body.reason,
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
        row = conn.execute(select(share_requests).where(share_requests.c.id == rid)).one()
    return _out(row)


@router.get("/exports", summary="Export requests, newest first (lead)")
def list_exports(
    request: Request,
    status: Literal["pending", "approved", "rejected"] | None = None,
    user: User = Depends(require("lead")),
) -> dict[str, Any]:
    db = _ensure(request)
    stmt = select(share_requests).order_by(share_requests.c.id.desc()).limit(500)
    if status:
        stmt = stmt.where(share_requests.c.status == status)
    with db.read() as conn:
        return {"items": [_out(r) for r in conn.execute(stmt)]}


def _decide(request: Request, rid: int, user: User, decision: str) -> dict[str, Any]:
    db = _ensure(request)
    with db.write() as conn:
        row = conn.execute(select(share_requests).where(share_requests.c.id == rid)).first()
        if row is None:
            raise NotFound(f"no export request {rid}")
        if row.status != "pending":
            raise Invalid(f"export request {rid} is already {row.status}")
        if decision == "approved" and row.requested_by == user.id:
            raise Forbidden("an export must be approved by a lead other than the requester")
        conn.execute(
            update(share_requests)
            .where(share_requests.c.id == rid)
            .values(status=decision, decided_by=user.id, decided_at=datetime.now(UTC))
        )
        action = "share.export.approve" if decision == "approved" else "share.export.reject"
        audit.record(
            conn,
            actor(request, user),
            action,
            "share_request",
            rid,
            before={"status": "pending"},
            after={"status": decision, "tlp": row.tlp},
            case_id=row.case_id,
        )
        row = conn.execute(select(share_requests).where(share_requests.c.id == rid)).one()
    return _out(row)


@router.post("/exports/{rid}/approve", response_model=ExportRequestOut, summary="Approve an export (lead)")
def approve_export(
    request: Request, rid: int = Path(ge=1, le=2**31 - 1), user: User = Depends(require("lead"))
) -> dict[str, Any]:
    return _decide(request, rid, user, "approved")


@router.post("/exports/{rid}/reject", response_model=ExportRequestOut, summary="Reject an export (lead)")
def reject_export(
    request: Request, rid: int = Path(ge=1, le=2**31 - 1), user: User = Depends(require("lead"))
) -> dict[str, Any]:
    return _decide(request, rid, user, "rejected")


@router.get(
    "/exports/{rid}/download",
    summary="The approved export (requester or lead)",
    response_class=StreamingResponse,
)
def download_export(
    request: Request, rid: int = Path(ge=1, le=2**31 - 1), user: User = Depends(require("analyst"))
) -> StreamingResponse:
    db = _ensure(request)
    with db.read() as conn:
        row = conn.execute(select(share_requests).where(share_requests.c.id == rid)).first()
    if row is None or (row.requested_by != user.id and not user.can("lead")):
        raise NotFound(f"no export request {rid}")
    if row.status != "approved":
        raise Invalid(f"export request {rid} is {row.status}: it needs a lead's approval first")
    store = Store(engine=db.engine)
    sel = _selection(store, row.case_id, row.campaign)
    fh = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - closed by the streaming generator
    _write(fh, store, sel, row)
    with db.write() as conn:
        audit.record(
            conn,
            actor(request, user),
            "share.export.download",
            "share_request",
            rid,
            after={"format": row.format, "tlp": row.tlp},
            case_id=row.case_id,
        )
    fh.seek(0)
    name = f"lurewatch-{row.format}-{rid}.json"
    media = "application/stix+json;version=2.1" if row.format == "stix" else "application/json"
    return StreamingResponse(
        _chunks(fh), media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def _write(fh: Any, store: Store, sel: selection.Selection, row: Any) -> None:
    from lurewatch.sharing.stix_export import ExportOptions, export_stix

    o = row.options or {}
    opts = ExportOptions(
        tlp=row.tlp,
        org=os.environ.get(ORG_ENV) or "Reporting organisation",
        title=sel.title,
        selection_key=sel.key,
        redact_text=bool(o.get("redact_text")),
        include_targets=bool(o.get("include_targets")),
        campaign=sel.campaign,
        analyst_notes=sel.notes,
    )
    if row.format == "stix":
        export_stix(sel.approaches(store), fh, opts)
    else:
        from lurewatch.sharing.misp import export_misp, to_json

        ev, _ = export_misp(sel.approaches(store), opts, pap=str(o.get("pap") or "amber"))
        fh.write(to_json(ev))


def _chunks(fh: Any, size: int = 64 * 1024) -> Iterator[str]:
    try:
        while chunk := fh.read(size):
            yield chunk
    finally:
        fh.close()
