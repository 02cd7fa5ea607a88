"""partial index for the open-cases queue (highest risk first)

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_OPEN = sa.text("status != 'closed'")


def upgrade() -> None:
    op.create_index("ix_cases_open_score", "cases", ["score", "id"], postgresql_where=_OPEN, sqlite_where=_OPEN)


def downgrade() -> None:
    op.drop_index("ix_cases_open_score", table_name="cases")
