"""New-campaign alerts: tell the security team once when a campaign appears.

Definition: a campaign appears when a campaign label (the `campaign` of cases, written by a linking run or
by an analyst) is first carried by at least MIN_CASES cases that are not merged into another. That moment
is recorded in `campaigns_seen`, in the transaction that labelled the case. Each enabled webhook with
`on_campaign` that existed then is alerted once, when the campaign's highest case level reaches the
webhook's `min_level` (at its appearance, or later when a higher case joins it): the outbox row carries the
key `campaign.new:<label>`, unique per webhook, so repeated linking runs, a growing campaign or two runs
at once never raise it twice.

The alert carries the label, its cases and approaches, the kinds of evidence that linked it and a link to
its page; with `include_content`, and only if every case of the campaign is marked at most the webhook's
`max_tlp`, also the first case titles and evidence lines.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from lurewatch.db.alert_tables import alert_outbox, campaigns_seen, webhooks
from lurewatch.server.alerts import LEVEL_RANK
from lurewatch.server.tables import case_approaches, cases
from lurewatch.sharing import tlp

MIN_CASES = 2
EVENT = "campaign.new"
MAX_LINES = 5


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)  # SQLite gives naive datetimes back


def _insert_ignore(conn: Connection, table: Any) -> Any:
    from lurewatch.server.service import insert_ignore

    return insert_ignore(conn, table)


def summarise(edges: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """The kinds of evidence of a linking campaign's edges, and a few of their evidence lines."""
    kinds = sorted({str(e.get("kind", ""))[:40] for e in edges if e.get("kind")})
    lines: list[str] = []
    for e in sorted(edges, key=lambda e: -float(e.get("strength") or 0)):
        line = str(e.get("evidence") or "")[:200]
        if line and line not in lines:
            lines.append(line)
        if len(lines) >= MAX_LINES:
            break
    return kinds, lines


def campaign_changed(conn: Connection, name: str, kinds: list[str] | None = None,
                     evidence: list[str] | None = None) -> int:
    """After cases joined the campaign `name`, in the same transaction: record its appearance and queue
    the alerts due. `kinds`/`evidence` come from a linking run (None: an analyst's label). Returns how many
    alerts were queued."""
    if not name:
        return 0
    members = conn.execute(
        select(cases.c.id, cases.c.level, cases.c.tlp, cases.c.title)
        .where(cases.c.campaign == name, cases.c.merged_into.is_(None))
        .order_by(cases.c.score.desc(), cases.c.id)).mappings().all()
    if len(members) < MIN_CASES:
        return 0
    seen = conn.execute(select(campaigns_seen).where(campaigns_seen.c.name == name)).mappings().first()
    if seen is None:
        conn.execute(_insert_ignore(conn, campaigns_seen).values(
            name=name, first_seen_at=_now(), edge_kinds=kinds if kinds is not None else ["analyst"],
            evidence=(evidence or [])[:MAX_LINES], alert=True))
        seen = conn.execute(select(campaigns_seen).where(campaigns_seen.c.name == name)).mappings().one()
    elif kinds is not None and set(kinds) - set(seen["edge_kinds"]):
        merged = sorted(set(seen["edge_kinds"]) | set(kinds))
        conn.execute(update(campaigns_seen).where(campaigns_seen.c.name == name).values(edge_kinds=merged))
        seen = {**seen, "edge_kinds": merged}
    if not seen["alert"]:
        return 0
    level = max((m["level"] for m in members), key=lambda lv: LEVEL_RANK.get(lv, 0))
    strictest = max((tlp.normalise(m["tlp"] or "amber") for m in members), key=tlp.rank)
    n_approaches = conn.execute(
        select(func.count()).select_from(case_approaches).join(cases, cases.c.id == case_approaches.c.case_id)
        .where(cases.c.campaign == name, cases.c.merged_into.is_(None))).scalar_one()
    first = _aware(seen["first_seen_at"])
    hooks = conn.execute(select(webhooks).where(webhooks.c.enabled.is_(True), webhooks.c.on_campaign.is_(True))
                         ).mappings().all()
    n = 0
    for h in hooks:
        if _aware(h["created_at"]) > first or LEVEL_RANK.get(level, 0) < LEVEL_RANK.get(h["min_level"], 2):
            continue
        body: dict[str, Any] = {
            "event": EVENT, "campaign": name, "level": level, "cases": len(members), "approaches": int(n_approaches),
            "edge_kinds": list(seen["edge_kinds"]), "first_seen_at": first.isoformat(timespec="seconds"),
            "created_at": _now().isoformat(timespec="seconds"), "path": "/campaigns/" + quote(name, safe="")}
        if h["include_content"] and tlp.allowed(strictest, h["max_tlp"]):
            body["tlp"] = strictest
            body["titles"] = [str(m["title"] or "")[:300] for m in members[:MAX_LINES]]
            body["evidence"] = list(seen["evidence"])[:MAX_LINES]
        n += conn.execute(_insert_ignore(conn, alert_outbox).values(
            webhook_id=h["id"], event=EVENT, case_id=None, campaign=name, event_key=f"{EVENT}:{name}", body=body,
            status="pending", attempts=0, next_attempt_at=_now(), created_at=_now())).rowcount
    return n
