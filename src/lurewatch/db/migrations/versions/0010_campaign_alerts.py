"""campaign alerts: webhooks' on_campaign switch, the outbox's idempotency key, the campaigns already seen;
exposure results shared by reporters (the signs only)

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhooks") as b:
        b.add_column(sa.Column("on_campaign", sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table("alert_outbox") as b:
        b.add_column(sa.Column("event_key", sa.String(200)))
        b.add_column(sa.Column("campaign", sa.String(100)))
    op.create_index("ux_alert_outbox_webhook_event_key", "alert_outbox", ["webhook_id", "event_key"], unique=True)
    seen = op.create_table(
        "campaigns_seen",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edge_kinds", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("alert", sa.Boolean(), nullable=False),
    )
    # Campaigns that exist already are not new: recorded as seen, never alerted.
    conn = op.get_bind()
    names = conn.execute(sa.text(
        "SELECT campaign FROM cases WHERE campaign <> '' AND merged_into IS NULL GROUP BY campaign "
        "HAVING count(*) >= 2")).scalars().all()
    now = datetime.now(UTC)
    if names:
        op.bulk_insert(seen, [{"name": n, "first_seen_at": now, "edge_kinds": [], "evidence": [], "alert": False}
                              for n in names])


    op.create_table(
        "exposure_shares",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("signs", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("exposure_shares")
    op.drop_table("campaigns_seen")
    op.drop_index("ux_alert_outbox_webhook_event_key", table_name="alert_outbox")
    with op.batch_alter_table("alert_outbox") as b:
        b.drop_column("campaign")
        b.drop_column("event_key")
    with op.batch_alter_table("webhooks") as b:
        b.drop_column("on_campaign")
