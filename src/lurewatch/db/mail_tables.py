"""Forwarded e-mail intake: staff members' verified addresses, and the durable record of every message
taken from the intake mailbox (its outcome, the verdict reply to send, the quarantine)."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, DateTime, ForeignKey, Integer, String, Table, Text, UniqueConstraint

from lurewatch.db.meta import metadata

mail_addresses = Table(
    "mail_addresses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("address", String(320), nullable=False, unique=True),  # lower-case; one account per address
    Column("via", String(16), nullable=False),  # admin (an admin vouched) | oidc (a trusted sign-on) | code (mailed)
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# An address a user asked to add: a code was mailed to it; entering the code verifies it (via = code).
mail_address_claims = Table(
    "mail_address_claims",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("address", String(320), nullable=False),
    Column("code_hash", String(64), nullable=False),  # SHA-256 of the mailed code
    Column("attempts", Integer, nullable=False, default=0),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
)

mail_intake = Table(
    "mail_intake",
    metadata,
    Column("id", Integer, primary_key=True),
    # the exactly-once key: written in the same transaction as the case, before the message is moved
    Column("mailbox", String(255), nullable=False),
    Column("uidvalidity", BigInteger, nullable=False),
    Column("uid", BigInteger, nullable=False),
    Column("message_id", String(500)),
    Column("forwarder", String(320), nullable=False, index=True),  # the From address of the forward ("" if none)
    Column("subject", String(1000), nullable=False, default=""),
    # scored | quarantined | ignored | refused | duplicate | released | discarded
    Column("status", String(16), nullable=False, index=True),
    Column("reason", Text, nullable=False, default=""),
    Column("user_id", Integer, ForeignKey("users.id")),  # the staff member it is attributed to
    Column("report_id", Integer),
    Column("case_ids", JSON, nullable=False, default=list),
    Column("raw_name", String(64)),  # the kept message (quarantine) in the data directory's uploads
    Column("reply_status", String(16), nullable=False, default="none", index=True),  # none | pending | sent | failed
    Column("reply_attempts", Integer, nullable=False, default=0),
    Column("reply_error", Text),
    Column("reply", JSON),  # the verdict mail to send: to, subject, text, in_reply_to
    Column("received_at", DateTime(timezone=True), nullable=False, index=True),
    Column("decided_at", DateTime(timezone=True)),
    Column("decided_by", Integer, ForeignKey("users.id")),
    UniqueConstraint("mailbox", "uidvalidity", "uid", name="uq_mail_intake_uid"),
)
