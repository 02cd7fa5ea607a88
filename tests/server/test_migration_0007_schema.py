"""One schema home (issue 14): every table on lurewatch.db's MetaData, created by the migrations only.

Migration 0007 adopts the tables the photo store, watchlists, calibrations and watch indicators used to
make themselves with `create_all`: a database made by that code keeps its rows. SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    insert,
    inspect,
    select,
)
from tests.server.conftest import migrate_to

from lurewatch.db import local_tables, metadata
from lurewatch.db.migrate import current, head, upgrade

SRC = Path(__file__).resolve().parents[2] / "src" / "lurewatch"
ADOPTED = ("photo_hashes", "watchlists", "watchlist_entries", "calibrations", "watch_indicators")


def test_no_create_all_outside_the_migrations() -> None:
    offenders = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                 if "migrations" not in p.parts and re.search(r"\.create_all\(", p.read_text())]
    assert offenders == []


def test_a_fresh_database_has_every_declared_table(fresh_url: str) -> None:
    engine = create_engine(fresh_url)
    upgrade(engine)
    assert current(engine) == head()
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    structural = [d for d in diffs if isinstance(d, tuple) and d[0] in ("add_table", "remove_table", "add_column",
                                                                          "remove_column")]
    assert structural == []
    engine.dispose()


def test_0007_adopts_tables_made_by_create_all_and_keeps_rows(fresh_url: str) -> None:
    migrate_to(fresh_url, "0006")
    engine = create_engine(fresh_url)
    old = MetaData()  # the five tables exactly as the stores declared them and made them on first use
    for name in ADOPTED:
        local_tables.metadata.tables[name].to_metadata(old)
    old.create_all(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(insert(old.tables["photo_hashes"]).values(sender_profile_url="u", sha256="a" * 64, first_seen=now))
        lid = conn.execute(insert(old.tables["watchlists"]).values(name="csl", source="", format="csv", loaded_at=now,
                                                                    count=1)).inserted_primary_key[0]
        conn.execute(insert(old.tables["watchlist_entries"]).values(list_id=lid, name="Acme Institute", norm_name="acme",
                                                                     aliases=[], country="", risk="high", list_label="",
                                                                     source_url=""))
        conn.execute(insert(old.tables["calibrations"]).values(version=1, created_at=now, n_cases=30, passed=True,
                                                                current=True, data={"weights": {"LW-OFFER-001": 40}}))
        conn.execute(insert(old.tables["watch_indicators"]).values(type="email", value="x@example.org", source="peer",
                                                                    tlp="amber", label="", imported_at=now))
    upgrade(engine)
    assert current(engine) == head()
    with engine.connect() as conn:
        for name in ADOPTED:
            assert conn.execute(select(metadata.tables[name])).first() is not None, name
    engine.dispose()


def test_0007_adds_columns_an_older_watchlist_table_lacked(fresh_url: str) -> None:
    migrate_to(fresh_url, "0006")
    engine = create_engine(fresh_url)
    old = MetaData()
    Table("watchlists", old, Column("id", Integer, primary_key=True), Column("name", String(200)),
          Column("source", Text), Column("format", String(16)), Column("loaded_at", local_tables.watchlists.c.loaded_at.type),
          Column("count", Integer))
    Table("watchlist_entries", old, Column("id", Integer, primary_key=True),
          Column("list_id", Integer, ForeignKey("watchlists.id")), Column("name", Text), Column("norm_name", Text),
          Column("aliases", JSON), Column("country", String(64)), Column("risk", String(8)))
    old.create_all(engine)
    upgrade(engine)
    cols = {c["name"] for c in inspect(engine).get_columns("watchlist_entries")}
    assert {"list_label", "source_url"} <= cols
    engine.dispose()


def test_every_store_opens_a_fresh_database_through_the_migrations(tmp_path: Path) -> None:
    from lurewatch.learned.calibration import CalibrationStore
    from lurewatch.photo.store import PhotoHashStore
    from lurewatch.sharing.watch import WatchStore
    from lurewatch.watchlists.storage import WatchlistStore

    for i, make in enumerate((CalibrationStore, WatchStore, WatchlistStore)):
        url = f"sqlite:///{tmp_path}/s{i}.sqlite"
        make(url)
        assert current(create_engine(url)) == head()
    url = f"sqlite:///{tmp_path}/photo.sqlite"
    PhotoHashStore(url)
    assert current(create_engine(url)) == head()
