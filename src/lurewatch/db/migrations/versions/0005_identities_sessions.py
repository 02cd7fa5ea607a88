"""single sign-on identities (issuer, sub) -> user; a session version per user

Revision ID: 0005
Revises: 0003

Links made before this revision (users.oidc_sub) move to `user_identities` with an empty issuer: the
first login through the configured issuer records it (see lurewatch.server.oidc).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_identities",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("sub", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("issuer", "sub", name="uq_user_identities_issuer_sub"),
    )
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))
    op.execute("INSERT INTO user_identities (issuer, sub, user_id, via, created_at) "
               "SELECT '', oidc_sub, id, 'legacy', created_at FROM users WHERE oidc_sub IS NOT NULL")
    op.execute("UPDATE users SET oidc_sub = NULL")


def downgrade() -> None:
    op.execute("UPDATE users SET oidc_sub = (SELECT MIN(i.sub) FROM user_identities i "
               "WHERE i.user_id = users.id)")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_version")
    op.drop_table("user_identities")
