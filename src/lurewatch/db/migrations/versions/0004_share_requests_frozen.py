"""share_requests with frozen exports: content fingerprint, artefact bytes, their SHA-256 and size

Before this revision `lurewatch.sharing.server_routes` made `share_requests` itself (`create_all`) on
first use, so a database at 0003 may or may not have it: create it when missing, else add the columns.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NEW_COLUMNS = ("content_sha256", "artefact", "artefact_sha256", "artefact_size")


def _new_columns() -> list[sa.Column]:
    return [
        sa.Column("content_sha256", sa.String(64)),
        sa.Column("artefact", sa.LargeBinary()),
        sa.Column("artefact_sha256", sa.String(64)),
        sa.Column("artefact_size", sa.BigInteger()),
    ]


def upgrade() -> None:
    insp = sa.inspect(op.get_bind())
    if not insp.has_table("share_requests"):
        op.create_table(
            "share_requests",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("requested_by", sa.Integer(), nullable=False),
            sa.Column("case_id", sa.Integer()),
            sa.Column("campaign", sa.String(100)),
            sa.Column("format", sa.String(8), nullable=False),
            sa.Column("tlp", sa.String(16), nullable=False),
            sa.Column("options", sa.JSON(), nullable=False),
            sa.Column("reason", sa.Text(), nullable=False),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("decided_by", sa.Integer()),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("decided_at", sa.DateTime(timezone=True)),
            *_new_columns(),
        )
        op.create_index("ix_share_requests_requested_by", "share_requests", ["requested_by"])
        op.create_index("ix_share_requests_status", "share_requests", ["status"])
        return
    have = {c["name"] for c in insp.get_columns("share_requests")}
    missing = [c for c in _new_columns() if c.name not in have]
    if missing:
        with op.batch_alter_table("share_requests") as batch:
            for col in missing:
                batch.add_column(col)


def downgrade() -> None:
    with op.batch_alter_table("share_requests") as batch:
        for name in NEW_COLUMNS:
            batch.drop_column(name)
