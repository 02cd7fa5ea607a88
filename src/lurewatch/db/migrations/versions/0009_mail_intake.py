"""mail intake: staff members' verified addresses (and pending claims), the record of every forwarded e-mail

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_addresses",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("address", sa.String(320), nullable=False, unique=True),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_mail_addresses_user_id", "mail_addresses", ["user_id"])
    op.create_table(
        "mail_address_claims",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_mail_address_claims_user_id", "mail_address_claims", ["user_id"])
    op.create_index("ix_mail_address_claims_created_at", "mail_address_claims", ["created_at"])
    op.create_table(
        "mail_intake",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("mailbox", sa.String(255), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("uid", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.String(500)),
        sa.Column("forwarder", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(1000), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("report_id", sa.Integer()),
        sa.Column("case_ids", sa.JSON(), nullable=False),
        sa.Column("raw_name", sa.String(64)),
        sa.Column("reply_status", sa.String(16), nullable=False),
        sa.Column("reply_attempts", sa.Integer(), nullable=False),
        sa.Column("reply_error", sa.Text()),
        sa.Column("reply", sa.JSON()),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("decided_by", sa.Integer(), sa.ForeignKey("users.id")),
        sa.UniqueConstraint("mailbox", "uidvalidity", "uid", name="uq_mail_intake_uid"),
    )
    op.create_index("ix_mail_intake_forwarder", "mail_intake", ["forwarder"])
    op.create_index("ix_mail_intake_status", "mail_intake", ["status"])
    op.create_index("ix_mail_intake_reply_status", "mail_intake", ["reply_status"])
    op.create_index("ix_mail_intake_received_at", "mail_intake", ["received_at"])


def downgrade() -> None:
    op.drop_table("mail_intake")
    op.drop_table("mail_address_claims")
    op.drop_table("mail_addresses")
