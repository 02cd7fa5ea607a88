"""Alerts (admin): the webhooks, and the delivery log."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import Field
from sqlalchemy import delete, insert, select

from lurewatch.db.alert_tables import alert_outbox, webhooks
from lurewatch.server import audit, service
from lurewatch.server.api.common import ERRORS, Id, RequestBody
from lurewatch.server.auth import User
from lurewatch.server.deps import actor, require, state
from lurewatch.sharing.tlp import Level as TlpLevel

router = APIRouter(tags=["alerts"], responses=ERRORS)


class WebhookIn(RequestBody):
    name: str = Field(..., min_length=1, max_length=100)
    url: str = Field(..., max_length=2000, pattern=r"^https?://", description="where alerts are POSTed")
    format: Literal["generic", "slack", "teams"] = "generic"
    min_level: Literal["medium", "high"] = "high"
    include_content: bool = Field(False, description="the case title and red flags, for cases up to max_tlp")
    max_tlp: TlpLevel = "green"
    on_campaign: bool = Field(True, description="also alert when a new campaign appears (at min_level or above)")
    secret: str | None = Field(None, min_length=16, max_length=200, description="HMAC key; generated if absent")


def _public(h: Any) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in dict(h).items() if k != "secret"}


@router.post("/alerts/webhooks", status_code=201, summary="Add a webhook (admin); the secret is shown once")
def add_webhook(body: WebhookIn, request: Request, user: User = Depends(require("admin"))) -> dict[str, Any]:
    secret = body.secret or secrets.token_urlsafe(32)
    with state(request).db.write() as conn:
        if conn.execute(select(webhooks.c.id).where(webhooks.c.name == body.name)).first():
            raise service.Invalid(f"a webhook named {body.name!r} exists")
        wid = conn.execute(insert(webhooks).values(
            name=body.name, url=body.url, format=body.format, secret=secret, min_level=body.min_level,
            include_content=body.include_content, max_tlp=body.max_tlp, enabled=True, on_campaign=body.on_campaign,
            created_at=datetime.now(UTC)).returning(webhooks.c.id)).scalar_one()
        audit.record(conn, actor(request, user), "webhook.create", "webhook", wid,
                     after={"name": body.name, "url": body.url, "format": body.format, "min_level": body.min_level,
                            "include_content": body.include_content, "max_tlp": body.max_tlp,
                            "on_campaign": body.on_campaign})
    return {"id": wid, "secret": secret}


@router.get("/alerts/webhooks", summary="The webhooks (admin; secrets never shown)")
def list_webhooks(request: Request, user: User = Depends(require("admin"))) -> dict[str, Any]:
    with state(request).db.read() as conn:
        return {"items": [_public(h) for h in conn.execute(select(webhooks).order_by(webhooks.c.id)).mappings()]}


@router.delete("/alerts/webhooks/{webhook_id}", status_code=204, summary="Remove a webhook (admin)")
def remove_webhook(webhook_id: Id, request: Request, user: User = Depends(require("admin"))) -> None:
    with state(request).db.write() as conn:
        conn.execute(delete(alert_outbox).where(alert_outbox.c.webhook_id == webhook_id))
        if conn.execute(delete(webhooks).where(webhooks.c.id == webhook_id)).rowcount == 0:
            raise service.NotFound("webhook not found")
        audit.record(conn, actor(request, user), "webhook.delete", "webhook", webhook_id)


@router.get("/alerts/deliveries", summary="The delivery log: every alert, its attempts and last result (admin)")
def deliveries(request: Request, user: User = Depends(require("admin"))) -> dict[str, Any]:
    with state(request).db.read() as conn:
        rows = conn.execute(select(alert_outbox.c.id, alert_outbox.c.webhook_id, alert_outbox.c.event,
                                   alert_outbox.c.case_id, alert_outbox.c.campaign, alert_outbox.c.status, alert_outbox.c.attempts,
                                   alert_outbox.c.last_status, alert_outbox.c.last_error, alert_outbox.c.created_at,
                                   alert_outbox.c.delivered_at, alert_outbox.c.next_attempt_at)
                            .order_by(alert_outbox.c.id.desc()).limit(500)).mappings().all()
    return {"items": [_public(r) for r in rows]}
