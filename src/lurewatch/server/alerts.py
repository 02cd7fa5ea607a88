"""Alerts: tell the security team when a high-risk case appears, by webhook (generic JSON, Slack, Teams).

Transactional outbox: the alert row is written in the same transaction as the case, so an alert is never
lost (a crash before commit loses both) nor sent for a case that does not exist; the sender delivers due
rows with retries and exponential backoff, and every attempt is logged on the row (the admin's delivery
log: `GET /api/v1/alerts/deliveries`). Every request is signed: `X-Lurewatch-Signature: t=<unix time>,
v1=<hex HMAC-SHA256 of "<t>.<body>" with the webhook's secret>`.

Content: by default an alert carries no message content, only the case id, level, score and a link. A
webhook with `include_content` also gets the case title and its strongest red flags, and only for cases
whose TLP is at most the webhook's `max_tlp` (TLP:RED or AMBER+STRICT cases never leave in an alert unless
the admin set the webhook that high). New campaigns: server/campaign_alerts.py, the same outbox and sender.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from lurewatch.db.alert_tables import alert_outbox, webhooks
from lurewatch.model import Finding
from lurewatch.server.background import Loop
from lurewatch.sharing import tlp

log = logging.getLogger(__name__)
FORMATS = ("generic", "slack", "teams")
LEVEL_RANK = {"low": 0, "medium": 1, "high": 2}
MAX_ATTEMPTS = 6
BACKOFF_SECONDS = 5.0  # 5, 10, 20, 40, 80 s between attempts
TIMEOUT_SECONDS = 5.0


def _now() -> datetime:
    return datetime.now(UTC)


def enqueue_case(conn: Connection, case_id: int, case: dict[str, Any], findings: list[Finding]) -> int:
    """In the case's transaction: one outbox row per enabled webhook whose level the case reaches."""
    level = str(case.get("level") or "low")
    hooks = conn.execute(select(webhooks).where(webhooks.c.enabled.is_(True))).mappings().all()
    n = 0
    for h in hooks:
        if LEVEL_RANK.get(level, 0) < LEVEL_RANK.get(h["min_level"], 2):
            continue
        body: dict[str, Any] = {"event": f"case.{level}", "case_id": case_id, "level": level,
                                "score": int(case.get("score") or 0), "created_at": _now().isoformat(timespec="seconds"),
                                "path": f"/cases/{case_id}"}
        case_tlp = tlp.normalise(str(case.get("tlp") or "amber"))
        if h["include_content"] and tlp.allowed(case_tlp, h["max_tlp"]):
            body["tlp"] = case_tlp
            body["title"] = str(case.get("title") or "")[:300]
            body["red_flags"] = [{"indicator": f.indicator, "title": f.title[:200]} for f in findings[:5]]
        conn.execute(insert(alert_outbox).values(
            webhook_id=h["id"], event=body["event"], case_id=case_id, body=body, status="pending", attempts=0,
            next_attempt_at=_now(), created_at=_now()))
        n += 1
    return n


_SLACK = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})  # Slack's control characters (<!channel>)
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~])")  # Teams renders Markdown: links, images, emphasis


def _plain(fmt: str, text: str) -> str:
    """Content (a case title from the sender's name, red-flag titles) as inert text in a chat message."""
    return text.translate(_SLACK) if fmt == "slack" else _MARKDOWN.sub(r"\\\1", text) if fmt == "teams" else text


def render(fmt: str, body: dict[str, Any]) -> dict[str, Any]:
    """The payload for the webhook's format (Slack: `text`; Teams: a MessageCard) of a case or campaign
    alert. Content is escaped so that a hostile sender name cannot mention @channel, add links or images
    in the team's chat."""
    if body.get("event") == "campaign.new":  # server/campaign_alerts.py
        line = (f"lurewatch: new campaign {_plain(fmt, str(body['campaign']))} ({body['cases']} cases, "
                f"{body['approaches']} approaches, up to {body['level']} risk; linked by "
                f"{', '.join(_plain(fmt, str(k)) for k in body['edge_kinds']) or 'analysts'})")
        detail = "; ".join(_plain(fmt, str(t)) for t in body.get("titles", []) + body.get("evidence", []))
        label = "Cases and evidence"
    else:
        line = f"lurewatch: {body['level']}-risk case #{body['case_id']} (score {body['score']})"
        if body.get("title"):
            line += f": {_plain(fmt, str(body['title']))}"
        detail = "; ".join(_plain(fmt, str(f["title"])) for f in body.get("red_flags", []))
        label = "Red flags"
    if fmt == "slack":
        return {"text": line + (f"\n{label}: {detail}" if detail else "") + f"\n{body['path']}"}
    if fmt == "teams":
        return {"@type": "MessageCard", "@context": "https://schema.org/extensions", "summary": line[:150],
                "themeColor": "C0392B" if body["level"] == "high" else "E67E22", "title": line,
                "text": (f"{label}: {detail}. " if detail else "") + f"Open {body['path']} in lurewatch."}
    return body


def signature(secret: str, ts: int, raw: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + raw, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def deliver_due(engine: Any, client: httpx.Client | None = None, now: datetime | None = None, limit: int = 50) -> int:
    """Send the alerts that are due; returns how many were attempted."""
    now = now or _now()
    with engine.connect() as conn:
        rows = conn.execute(
            select(alert_outbox, webhooks.c.url, webhooks.c.format, webhooks.c.secret)
            .join(webhooks, webhooks.c.id == alert_outbox.c.webhook_id)
            .where(alert_outbox.c.status == "pending", alert_outbox.c.next_attempt_at <= now)
            .order_by(alert_outbox.c.id).limit(limit)).mappings().all()
    own = client is None
    client = client or httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False)
    try:
        for r in rows:
            raw = json.dumps(render(r["format"], r["body"]), ensure_ascii=False, sort_keys=True).encode()
            ts = int(time.time())
            status, error = None, None
            try:
                resp = client.post(r["url"], content=raw, headers={
                    "content-type": "application/json", "user-agent": "lurewatch-alerts",
                    "x-lurewatch-event": r["event"], "x-lurewatch-signature": signature(r["secret"], ts, raw)})
                status = resp.status_code
                ok = 200 <= status < 300
                error = None if ok else f"HTTP {status}"
            except httpx.HTTPError as e:
                ok, error = False, f"{type(e).__name__}: {str(e)[:200]}"
            attempts = r["attempts"] + 1
            values: dict[str, Any] = {"attempts": attempts, "last_status": status, "last_error": error}
            if ok:
                values.update(status="delivered", delivered_at=_now())
            elif attempts >= MAX_ATTEMPTS:
                values.update(status="failed")
            else:
                values.update(next_attempt_at=now + timedelta(seconds=BACKOFF_SECONDS * 2 ** (attempts - 1)))
            with engine.begin() as conn:
                conn.execute(update(alert_outbox).where(alert_outbox.c.id == r["id"]).values(**values))
    finally:
        if own:
            client.close()
    return len(rows)


class Sender(Loop):
    """Delivers due alerts in the background (started with the job worker)."""

    name = "lurewatch-alerts"

    def __init__(self, engine: Any, poll: float = 1.0) -> None:
        super().__init__(poll)
        self.engine = engine

    def step(self) -> bool:
        return deliver_due(self.engine) > 0
