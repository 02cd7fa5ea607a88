"""The server's tables (SQLAlchemy Core), on the same MetaData as the store's `approaches` table.

Approach content lives only in `approaches`; who reported it lives in `reports`/`report_items`, so that
content can be shared without the reporter's identity. Cases reference approaches through
`case_approaches` (one case per approach; a case holds several after a merge).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from lurewatch.db.meta import metadata
from lurewatch.db.store_tables import approaches

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(150), nullable=False, unique=True),
    Column("password_hash", Text),  # None for OIDC-only accounts
    Column("role", String(16), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("oidc_sub", String(255), unique=True),  # unused since 0005: links are in user_identities
    Column("created_at", DateTime(timezone=True), nullable=False),
    # bumped by logout, password change/reset, role change and disable: older session cookies stop working
    Column("session_version", Integer, nullable=False, default=0, server_default=text("0")),
)

user_identities = Table(
    "user_identities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("issuer", String(255), nullable=False),  # "" for links made before issuers were recorded
    Column("sub", String(255), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("via", String(16), nullable=False),  # admin | email | auto | legacy
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("issuer", "sub", name="uq_user_identities_issuer_sub"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("name", String(150), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),  # scope: never above the owner's role
    Column("expires_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True)),
)

settings = Table(
    "settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),  # "export-scan"
    Column("status", String(16), nullable=False, index=True),  # queued running done failed
    Column("report_id", Integer, ForeignKey("reports.id"), index=True),
    Column("created_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("upload_id", Integer, ForeignKey("uploads.id")),
    Column("progress_done", Integer, nullable=False, default=0),
    Column("progress_total", Integer, nullable=False, default=0),
    Column("kept", Integer, nullable=False, default=0),
    Column("attempts", Integer, nullable=False, default=0),
    Column("message", Text, nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

reports = Table(
    "reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reporter_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # message profile jsonresume eml export photo
    Column("comment", Text, nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
)

report_items = Table(
    "report_items",
    metadata,
    Column("report_id", Integer, ForeignKey("reports.id"), primary_key=True),
    Column("approach_id", String(40), ForeignKey("approaches.approach_id"), primary_key=True, index=True),
)

uploads = Table(
    "uploads",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("report_id", Integer, ForeignKey("reports.id"), index=True),
    Column("owner_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("kind", String(16), nullable=False),  # photo eml jsonresume export
    Column("stored_name", String(64), nullable=False, unique=True),  # random, never the user's name
    Column("original_name", Text, nullable=False, default=""),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", Text, nullable=False, default=""),
    Column("status", String(16), nullable=False, default="new"),  # new in_progress closed
    Column("resolution", String(16)),  # hostile suspicious legitimate duplicate
    Column("severity", String(16), nullable=False, default="medium"),  # low medium high critical
    Column("assignee_id", Integer, ForeignKey("users.id"), index=True),
    Column("tlp", String(16), nullable=False, default="amber"),  # TLP 2.0
    Column("pap", String(16), nullable=False, default="amber"),
    Column("score", Integer, nullable=False, default=0),
    Column("level", String(8), nullable=False, default="low"),
    Column("sector", String(100), nullable=False, default=""),
    Column("campaign", String(100), nullable=False, default=""),
    Column("merged_into", Integer, ForeignKey("cases.id")),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
    Index("ix_cases_queue", "status", "score", "id"),
    Index("ix_cases_score", "score", "id"),
    Index("ix_cases_open_score", "score", "id", postgresql_where=text("status != 'closed'"),
          sqlite_where=text("status != 'closed'")),
    Index("ix_cases_campaign", "campaign"),
    Index("ix_cases_level", "level"),
    Index("ix_cases_sector", "sector"),
)

case_approaches = Table(
    "case_approaches",
    metadata,
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("approach_id", String(40), ForeignKey("approaches.approach_id"), primary_key=True),
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("title", Text, nullable=False),
    Column("done", Boolean, nullable=False, default=False),
    Column("created_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("author_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Append-only, hash-chained: hash = sha256(prev_hash + canonical JSON of the entry). `audit_head` is a
# one-row table updated first in every audited transaction, which serialises appends to the chain.
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor_id", Integer),
    Column("actor", String(150), nullable=False),
    Column("action", String(64), nullable=False),
    Column("entity", String(32), nullable=False),
    Column("entity_id", String(64), nullable=False),
    Column("case_id", Integer, index=True),
    Column("before", JSON),
    Column("after", JSON),
    Column("request_id", String(64), nullable=False, default=""),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# Entries are written here in the same transaction as their change (no lock), then chained into
# audit_log in order by `audit.chain` (the job worker, and any reader of the log, does it).
audit_queue = Table(
    "audit_queue",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("entry", JSON, nullable=False),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("id"),
)

__all__ = [
    "api_keys", "approaches", "audit_head", "audit_log", "audit_queue", "case_approaches", "cases", "jobs", "metadata",
    "notes", "report_items", "reports", "settings", "tasks", "uploads", "users",
]
