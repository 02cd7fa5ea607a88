"""Export requests of the sharing workflow (an analyst asks, a lead approves; the artefact is frozen)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from lurewatch.db.meta import metadata

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
    Column("status", String(16), nullable=False, index=True),  # pending approved rejected stale
    Column("decided_by", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("decided_at", DateTime(timezone=True)),
    Column("content_sha256", String(64)),  # fingerprint of the content when requested
    Column("artefact", LargeBinary),  # the approved export, frozen at approval
    Column("artefact_sha256", String(64)),
    Column("artefact_size", BigInteger),
)
