"""Alerts: webhooks an admin configured, and the outbox of alerts to deliver to them (with its log)."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text, true

from lurewatch.db.meta import metadata

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("url", Text, nullable=False),  # set by an admin, never taken from content
    Column("format", String(16), nullable=False),  # generic | slack | teams
    Column("secret", Text, nullable=False),  # HMAC-SHA256 key of the signature header
    Column("min_level", String(8), nullable=False, default="high"),
    Column("include_content", Boolean, nullable=False, default=False),
    Column("max_tlp", String(16), nullable=False, default="green"),  # content only for cases marked at most this
    Column("enabled", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("on_campaign", Boolean, nullable=False, default=True, server_default=true()),  # new campaigns too
)

alert_outbox = Table(
    "alert_outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("webhook_id", Integer, ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("event", String(32), nullable=False),  # case.high | case.medium | campaign.new
    Column("case_id", Integer),
    Column("body", JSON, nullable=False),  # the event, rendered for the webhook's format when sent
    Column("status", String(16), nullable=False, index=True),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, index=True),
    Column("last_status", Integer),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True)),
    Column("event_key", String(200)),  # campaign.new:<name>: at most one row per webhook and key
    Column("campaign", String(100)),
    Index("ux_alert_outbox_webhook_event_key", "webhook_id", "event_key", unique=True),
)

campaigns_seen = Table(
    "campaigns_seen",
    metadata,
    Column("name", String(100), primary_key=True),  # the cases' campaign label
    Column("first_seen_at", DateTime(timezone=True), nullable=False),  # when it first held MIN_CASES cases
    Column("edge_kinds", JSON, nullable=False),  # the evidence that linked it (linking), or ["analyst"]
    Column("evidence", JSON, nullable=False),  # a few evidence lines (content: sent only as the TLP allows)
    Column("alert", Boolean, nullable=False),  # False: it existed before campaign alerts did (never alerted)
)
