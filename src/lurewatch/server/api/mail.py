"""Forwarded e-mail intake: the log and the quarantine (analysts), the verified addresses (admin)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import Field

from lurewatch.server import mail_claims, mail_intake
from lurewatch.server.api.common import ERRORS, Id, RequestBody
from lurewatch.server.auth import User
from lurewatch.server.deps import actor, current_user, require, state

router = APIRouter(tags=["mail"], responses=ERRORS)
Status = Literal["scored", "quarantined", "ignored", "refused", "duplicate", "released", "discarded"]


class AddressIn(RequestBody):
    user_id: int = Field(ge=1, le=2**31 - 1)
    address: str = Field(min_length=3, max_length=320, description="an address the account's owner sends from")


class MyAddressIn(RequestBody):
    address: str = Field(min_length=3, max_length=320)


class ConfirmIn(RequestBody):
    address: str = Field(min_length=3, max_length=320)
    code: str = Field(min_length=1, max_length=64, description="the code mailed to the address")


class ReleaseIn(RequestBody):
    user_id: int = Field(ge=1, le=2**31 - 1, description="the account the report is attributed to")


def _iso(r: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in r.items()}


@router.get("/mail/intake", summary="The intake log: every forwarded e-mail taken in and its outcome (analyst)")
def intake_log(request: Request, status: Status | None = Query(None),
               user: User = Depends(require("analyst"))) -> dict[str, Any]:
    with state(request).db.read() as conn:
        return {"items": mail_intake.listing(conn, status)}


@router.get("/mail/quarantine", summary="Forwards from unknown or unverified senders, waiting for an analyst")
def quarantine(request: Request, user: User = Depends(require("analyst"))) -> dict[str, Any]:
    with state(request).db.read() as conn:
        return {"items": mail_intake.listing(conn, "quarantined")}


@router.post("/mail/quarantine/{intake_id}/release", summary="Score a quarantined forward as reported by an account")
def release(intake_id: Id, body: ReleaseIn, request: Request,
            user: User = Depends(require("analyst"))) -> dict[str, Any]:
    st = state(request)
    out = mail_intake.release(st, mail_intake.MailConfig.from_env(), intake_id, body.user_id, user)
    return {k: v for k, v in _iso(out).items() if k in ("id", "status", "reason", "user_id", "report_id", "case_ids")}


@router.post("/mail/quarantine/{intake_id}/discard", status_code=204, summary="Discard a quarantined forward")
def discard(intake_id: Id, request: Request, user: User = Depends(require("analyst"))) -> Response:
    mail_intake.discard(state(request), intake_id, user)
    return Response(status_code=204)


@router.get("/mail/addresses", summary="Verified addresses: forwards from them are attributed to the account (admin)")
def addresses(request: Request, user: User = Depends(require("admin"))) -> dict[str, Any]:
    with state(request).db.read() as conn:
        return {"items": [_iso(r) for r in mail_intake.list_addresses(conn)]}


@router.post("/mail/addresses", status_code=201, summary="Vouch for an account's address (admin)")
def add_address(body: AddressIn, request: Request, user: User = Depends(require("admin"))) -> dict[str, Any]:
    with state(request).db.write() as conn:
        aid = mail_intake.add_address(conn, body.user_id, body.address, actor(request, user))
    return {"id": aid, "user_id": body.user_id, "address": mail_intake.norm_address(body.address)}


@router.delete("/mail/addresses/{address_id}", status_code=204, summary="Forget a verified address (admin)")
def remove_address(address_id: Id, request: Request, user: User = Depends(require("admin"))) -> Response:
    with state(request).db.write() as conn:
        mail_intake.remove_address(conn, address_id, actor(request, user))
    return Response(status_code=204)


@router.get("/me/mail-addresses", summary="My intake addresses: verified, and waiting for their code")
def my_addresses(request: Request, user: User = Depends(current_user)) -> dict[str, Any]:
    with state(request).db.read() as conn:
        return mail_claims.mine(conn, user)


@router.post("/me/mail-addresses", status_code=202, summary="Add an address of mine: a code is mailed to it")
def request_code(body: MyAddressIn, request: Request, user: User = Depends(current_user)) -> dict[str, Any]:
    mail_claims.request_code(state(request), mail_intake.MailConfig.from_env(), user, body.address,
                             actor(request, user))
    return {"address": mail_intake.norm_address(body.address), "status": "code sent"}


@router.post("/me/mail-addresses/confirm", status_code=201, summary="Confirm an address of mine with its code")
def confirm(body: ConfirmIn, request: Request, user: User = Depends(current_user)) -> dict[str, Any]:
    aid = mail_claims.confirm(state(request), user, body.address, body.code, actor(request, user))
    return {"id": aid, "address": mail_intake.norm_address(body.address)}


@router.delete("/me/mail-addresses/{address_id}", status_code=204, summary="Remove an address of mine")
def remove_mine(address_id: Id, request: Request, user: User = Depends(current_user)) -> Response:
    with state(request).db.write() as conn:
        mail_claims.remove_mine(conn, user, address_id, actor(request, user))
    return Response(status_code=204)
