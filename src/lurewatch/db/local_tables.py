"""Tables the CLI and the server share in the store database: photo hashes seen by earlier scans,
watchlists, indicator-weight calibrations, and watch indicators imported from peers (STIX, TAXII, MISP).
Until migration 0007 these were created on first use with `create_all`, outside the migrations."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from lurewatch.db.meta import metadata

photo_hashes = Table(
    "photo_hashes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sender_profile_url", Text, nullable=False, index=True),
    Column("sha256", String(64), nullable=False, index=True),
    Column("pdq", String(64)),  # null when the hash quality is too low to match on
    Column("quality", Integer),
    Column("pdq_extra", Text),  # hex: 'variants | crops', space-separated (reuse matching)
    Column("first_seen", DateTime(timezone=True), nullable=False),
)

watchlists = Table(
    "watchlists",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("source", Text, nullable=False, default=""),  # the file it was loaded from
    Column("format", String(16), nullable=False, default=""),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
    Column("count", Integer, nullable=False, default=0),
)

watchlist_entries = Table(
    "watchlist_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("list_id", Integer, ForeignKey("watchlists.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("norm_name", Text, nullable=False, index=True),
    Column("aliases", JSON, nullable=False),
    Column("country", String(64), nullable=False, default=""),
    Column("risk", String(8), nullable=False, default="high"),
    Column("list_label", Text, nullable=False, default=""),  # the list named in the row (CSL "source")
    Column("source_url", Text, nullable=False, default=""),
)

calibrations = Table(
    "calibrations",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("n_cases", Integer, nullable=False),
    Column("passed", Boolean, nullable=False),  # not worse than the weights it was compared with
    Column("current", Boolean, nullable=False, default=False, index=True),
    Column("data", JSON, nullable=False),
)

watch_indicators = Table(
    "watch_indicators",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("type", String(16), nullable=False),  # observables.TYPES
    Column("value", Text, nullable=False),  # normalised (observables.normalise)
    Column("source", Text, nullable=False, default=""),  # producer identity name, else the file / feed
    Column("tlp", String(16), nullable=False, default="amber"),
    Column("confidence", Integer),  # 0-100 as given by the producer, if any
    Column("stix_id", String(80)),  # the indicator (or MISP attribute uuid) it came from
    Column("label", Text, nullable=False, default=""),  # producer's name/description, for evidence
    Column("imported_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("type", "value", "source", name="uq_watch_type_value_source"),
)
