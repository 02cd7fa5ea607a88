"""Exposure results a reporter chose to share with the security team: which signs, never the evidence."""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, Table

from lurewatch.db.meta import metadata

exposure_shares = Table(
    "exposure_shares",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),  # the latest only
    Column("signs", JSON, nullable=False),  # the check ids found (LW-EXP-...), no text from the profile
    Column("created_at", DateTime(timezone=True), nullable=False),
)
