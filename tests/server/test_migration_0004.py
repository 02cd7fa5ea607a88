"""Migration 0004: `share_requests` is created when missing, or given the frozen-export columns when an
older server made it with `create_all`; rows survive. SQLite and PostgreSQL (`fresh_url`)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table, Text, create_engine, inspect
from tests.server.conftest import make_server, migrate_to

from lurewatch.server import audit, auth, migrate

NEW = {"content_sha256", "artefact", "artefact_sha256", "artefact_size"}


def _old_table(md: MetaData) -> Table:
    """share_requests exactly as sharing/server_routes.py made it before revision 0004."""
    return Table(
        "share_requests", md,
        Column("id", Integer, primary_key=True),
        Column("requested_by", Integer, nullable=False, index=True),
        Column("case_id", Integer),
        Column("campaign", String(100)),
        Column("format", String(8), nullable=False),
        Column("tlp", String(16), nullable=False),
        Column("options", JSON, nullable=False),
        Column("reason", Text, nullable=False, default=""),
        Column("status", String(16), nullable=False, index=True),
        Column("decided_by", Integer),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("decided_at", DateTime(timezone=True)),
    )


def test_0004_creates_share_requests_when_missing(fresh_url: str, tmp_path: Path) -> None:
    migrate_to(fresh_url, "0003")
    engine = create_engine(fresh_url)
    assert not inspect(engine).has_table("share_requests")
    migrate.upgrade(engine)
    insp = inspect(engine)
    assert {c["name"] for c in insp.get_columns("share_requests")} >= NEW
    assert {"ix_share_requests_status", "ix_share_requests_requested_by"} <= {
        i["name"] for i in insp.get_indexes("share_requests")}
    assert migrate.current(engine) == migrate.head()
    engine.dispose()


def test_0004_adds_columns_to_an_existing_table_and_keeps_rows(fresh_url: str, tmp_path: Path) -> None:
    migrate_to(fresh_url, "0003")
    engine = create_engine(fresh_url)
    md = MetaData()
    old = _old_table(md)
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(old.insert().values(
            requested_by=1, case_id=None, campaign="c1", format="stix", tlp="amber", options={"pap": "amber"},
            reason="legacy", status="approved", decided_by=2, created_at=datetime.now(UTC),
            decided_at=datetime.now(UTC)))
    engine.dispose()

    s = make_server(fresh_url, tmp_path / "data")  # the server runs the migrations on start
    with s.client:
        cols = {c["name"] for c in inspect(s.db.engine).get_columns("share_requests")}
        assert cols >= NEW
        with s.db.write() as conn:
            uid = auth.create_user(conn, "lead-m", "lead", "a-long-password-1", audit.Actor(None, "test"))
            _, key = auth.create_api_key(conn, auth.load_user(conn, uid), "k", None, 1, audit.Actor(None, "test"))
        h = {"Authorization": f"Bearer {key}"}
        items = s.client.get("/api/v1/sharing/exports", headers=h).json()["items"]
        assert [(x["campaign"], x["status"], x["sha256"]) for x in items] == [("c1", "approved", None)]
        r = s.client.get(f"/api/v1/sharing/exports/{items[0]['id']}/download", headers=h)
        assert r.status_code == 409 and "request it again" in r.text  # never rebuilt from today's data
    s.db.engine.dispose()
