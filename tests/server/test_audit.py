"""The audit chain: every change recorded, tampering detected (API, CLI), export verifiable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from tests.server.conftest import HOSTILE, make_server
from typer.testing import CliRunner

from lurewatch.cli import app as cli_app
from lurewatch.server import audit
from lurewatch.server.tables import audit_log


@pytest.fixture()
def fresh(fresh_url: str, tmp_path: Path):  # noqa: ANN201
    s = make_server(fresh_url, tmp_path / "data")
    with s.client:
        s.people["reporter"] = s.add_user("reporter", "rep-a")
        s.people["analyst"] = s.add_user("analyst", "ana-a")
        s.api("reporter", "POST", "/api/v1/reports", json={"message": HOSTILE})
        cid = s.api("analyst", "GET", "/api/v1/cases").json()["items"][0]["id"]
        s.api("analyst", "PATCH", f"/api/v1/cases/{cid}", json={"status": "in_progress", "severity": "critical"})
        s.api("analyst", "POST", f"/api/v1/cases/{cid}/notes", json={"text": "first note"})
        assert audit.chain(s.db.engine) > 0  # queued entries join the chain (the worker does it when running)
        yield s
    s.db.engine.dispose()


def test_every_change_is_queued_then_chained(fresh) -> None:  # noqa: ANN001
    from lurewatch.server.tables import audit_queue

    fresh.api("analyst", "POST", "/api/v1/cases/1/tasks", json={"title": "queued first"})
    with fresh.db.read() as conn:
        assert conn.execute(select(audit_queue.c.id)).first() is not None
    assert audit.chain(fresh.db.engine) == 1
    with fresh.db.read() as conn:
        assert conn.execute(select(audit_queue.c.id)).first() is None
    assert list(audit.iter_entries(fresh.db.engine))[-1]["action"] == "task.add"


def test_chain_verifies_and_records_before_after(fresh) -> None:  # noqa: ANN001
    r = audit.verify(fresh.db.engine)
    assert r.ok and r.entries >= 6
    entries = list(audit.iter_entries(fresh.db.engine))
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    upd = [e for e in entries if e["action"] == "case.update"][0]
    assert upd["before"] == {"status": "new", "severity": "high"} or upd["before"]["status"] == "new"
    assert upd["after"]["status"] == "in_progress" and upd["after"]["severity"] == "critical"
    assert upd["actor"] == "ana-a" and len(upd["request_id"]) >= 8
    assert all(e["prev_hash"] == p["hash"] for p, e in zip(entries, entries[1:], strict=False))


def test_edit_is_detected(fresh) -> None:  # noqa: ANN001
    with fresh.db.write() as conn:
        seq = conn.execute(select(audit_log.c.seq).where(audit_log.c.action == "case.update")).scalar()
        conn.execute(update(audit_log).where(audit_log.c.seq == seq).values(after={"status": "closed"}))
    r = audit.verify(fresh.db.engine)
    assert not r.ok and any(f"entry {seq}" in p and "edited" in p for p in r.problems)


def test_deletion_and_truncation_are_detected(fresh) -> None:  # noqa: ANN001
    with fresh.db.write() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == 2))
    r = audit.verify(fresh.db.engine)
    assert not r.ok and any("missing" in p for p in r.problems)


def test_tail_truncation_is_detected(fresh) -> None:  # noqa: ANN001
    with fresh.db.write() as conn:
        last = conn.execute(select(audit_log.c.seq).order_by(audit_log.c.seq.desc())).scalar()
        conn.execute(delete(audit_log).where(audit_log.c.seq == last))
    r = audit.verify(fresh.db.engine)
    assert not r.ok and any("tail" in p for p in r.problems)


def test_cli_verify_and_export(fresh, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    url = fresh.cfg.db_url
    runner = CliRunner()
    ok = runner.invoke(cli_app, ["audit", "verify", "--db", url])
    assert ok.exit_code == 0, ok.output
    exp = runner.invoke(cli_app, ["audit", "export", "--db", url])
    assert exp.exit_code == 0
    lines = [json.loads(x) for x in exp.stdout.splitlines() if x.strip()]
    assert lines and lines[-1]["hash"] == list(audit.iter_entries(fresh.db.engine))[-1]["hash"]
    # an exported copy can be re-verified on its own
    prev = audit.GENESIS
    for e in lines:
        fields = {k: v for k, v in e.items() if k not in ("prev_hash", "hash")}
        assert e["prev_hash"] == prev and audit.entry_hash(prev, fields) == e["hash"]
        prev = e["hash"]
    with fresh.db.write() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 1).values(actor="mallory"))
    bad = runner.invoke(cli_app, ["audit", "verify", "--db", url])
    assert bad.exit_code == 1 and "BROKEN" in bad.output


def test_cli_create_user(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cli.sqlite"
    runner = CliRunner()
    from lurewatch.cli import app as cli_app_mod  # the Typer app

    r = runner.invoke(cli_app_mod, ["admin", "create-user", "boss", "--role", "admin", "--password-stdin",
                                        "--db", url], input="a-very-long-password\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli_app_mod, ["admin", "create-user", "boss", "--role", "admin", "--password-stdin",
                                        "--db", url], input="a-very-long-password\n")
    assert r.exit_code == 2 and "exists" in r.output
    r = runner.invoke(cli_app_mod, ["admin", "create-user", "x", "--role", "king", "--password-stdin",
                                        "--db", url], input="a-very-long-password\n")
    assert r.exit_code == 2 and "role" in r.output
    r = runner.invoke(cli_app_mod, ["admin", "create-user", "y", "--role", "analyst", "--password-stdin",
                                        "--db", url], input="short\n")
    assert r.exit_code == 2 and "short" in r.output
    from lurewatch.server.auth import authenticate
    from lurewatch.store.db import make_engine

    assert authenticate(make_engine(url), "boss", "a-very-long-password").role == "admin"
