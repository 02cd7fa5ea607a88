"""The local store's table: one row per approach, keyed by its stable approach_id."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Integer,
    String,
    Table,
    Text,
)

from lurewatch.db.meta import metadata

approaches = Table(
    "approaches",
    metadata,
    Column("approach_id", String(40), primary_key=True),
    Column("source", String(32), nullable=False),
    Column("conversation_id", String(255)),
    Column("sender_name", Text, nullable=False, default=""),
    Column("sender_profile_url", Text, index=True),
    Column("owner_profile_url", Text, index=True),
    Column("first_contact", DateTime(timezone=True), index=True),
    Column("score", Integer, nullable=False, index=True),
    Column("level", String(8), nullable=False, index=True),
    Column("data", JSON, nullable=False),  # the full JSON contract of the approach
    Column("stored_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
