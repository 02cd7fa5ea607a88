"""adopt the tables that were created outside the migrations: photo_hashes, watchlists,
watchlist_entries, calibrations, watch_indicators

Revision ID: 0007
Revises: 0006

Until this revision the photo store, the watchlists, the calibrations and the imported watch indicators
made their tables with `create_all` on first use, so a database may or may not have each. Each one is
created when missing, or kept with its rows (and given any column or index it lacks) when present. From
here on every table is created by a migration and nothing else.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = ("photo_hashes", "watchlists", "watchlist_entries", "calibrations", "watch_indicators")


def _definitions() -> dict[str, tuple[list[sa.Column], list, list[tuple[str, list[str]]]]]:
    """name -> (columns, table constraints, indexes): the tables exactly as the code declared them."""
    return {
        "photo_hashes": ([
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("sender_profile_url", sa.Text(), nullable=False),
            sa.Column("sha256", sa.String(64), nullable=False),
            sa.Column("pdq", sa.String(64)),
            sa.Column("quality", sa.Integer()),
            sa.Column("pdq_extra", sa.Text()),
            sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        ], [], [("ix_photo_hashes_sender_profile_url", ["sender_profile_url"]), ("ix_photo_hashes_sha256", ["sha256"])]),
        "watchlists": ([
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("name", sa.String(200), nullable=False),
            sa.Column("source", sa.Text(), nullable=False),
            sa.Column("format", sa.String(16), nullable=False),
            sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("count", sa.Integer(), nullable=False),
        ], [sa.UniqueConstraint("name")], []),
        "watchlist_entries": ([
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("list_id", sa.Integer(), sa.ForeignKey("watchlists.id", ondelete="CASCADE"), nullable=False),
            sa.Column("name", sa.Text(), nullable=False),
            sa.Column("norm_name", sa.Text(), nullable=False),
            sa.Column("aliases", sa.JSON(), nullable=False),
            sa.Column("country", sa.String(64), nullable=False),
            sa.Column("risk", sa.String(8), nullable=False),
            sa.Column("list_label", sa.Text(), nullable=False, server_default=""),
            sa.Column("source_url", sa.Text(), nullable=False, server_default=""),
        ], [], [("ix_watchlist_entries_list_id", ["list_id"]), ("ix_watchlist_entries_norm_name", ["norm_name"])]),
        "calibrations": ([
            sa.Column("version", sa.Integer(), primary_key=True, autoincrement=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("n_cases", sa.Integer(), nullable=False),
            sa.Column("passed", sa.Boolean(), nullable=False),
            sa.Column("current", sa.Boolean(), nullable=False),
            sa.Column("data", sa.JSON(), nullable=False),
        ], [], [("ix_calibrations_current", ["current"])]),
        "watch_indicators": ([
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("type", sa.String(16), nullable=False),
            sa.Column("value", sa.Text(), nullable=False),
            sa.Column("source", sa.Text(), nullable=False),
            sa.Column("tlp", sa.String(16), nullable=False),
            sa.Column("confidence", sa.Integer()),
            sa.Column("stix_id", sa.String(80)),
            sa.Column("label", sa.Text(), nullable=False),
            sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        ], [sa.UniqueConstraint("type", "value", "source", name="uq_watch_type_value_source")], []),
    }


def upgrade() -> None:
    bind = op.get_bind()
    for name, (columns, constraints, indexes) in _definitions().items():
        insp = sa.inspect(bind)
        if not insp.has_table(name):
            op.create_table(name, *columns, *constraints)
            for ix, cols in indexes:
                op.create_index(ix, name, cols)
            continue
        have = {c["name"] for c in insp.get_columns(name)}
        missing = [c for c in columns if c.name not in have]
        if missing:  # a column added to the code after the table was made (list_label, source_url)
            with op.batch_alter_table(name) as batch:
                for col in missing:
                    col.nullable = True if col.server_default is None else col.nullable
                    batch.add_column(col)
        have_ix = {i["name"] for i in insp.get_indexes(name)}
        for ix, cols in indexes:
            if ix not in have_ix:
                op.create_index(ix, name, cols)


def downgrade() -> None:
    # The tables existed before this revision too (made on first use): keep them and their rows.
    pass
