"""Issue 13, finding 10: keyed anchors. Someone with write access to the database rewrites history and
rebuilds the hash chain: plain `audit verify` passes, `audit verify --anchors` fails. SQLite and
PostgreSQL."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import select, update
from tests.server.conftest import HOSTILE, make_server
from typer.testing import CliRunner

from lurewatch.cli import app as cli_app
from lurewatch.server import audit
from lurewatch.server.tables import audit_head, audit_log


@pytest.fixture()
def fresh(fresh_url: str, tmp_path: Path):  # noqa: ANN201
    s = make_server(fresh_url, tmp_path / "data")
    with s.client:
        s.people["reporter"] = s.add_user("reporter", "rep-a")
        s.people["analyst"] = s.add_user("analyst", "ana-a")
        s.api("reporter", "POST", "/api/v1/reports", json={"message": HOSTILE})
        cid = s.api("analyst", "GET", "/api/v1/cases").json()["items"][0]["id"]
        s.api("analyst", "PATCH", f"/api/v1/cases/{cid}", json={"status": "in_progress"})
        audit.chain(s.db.engine)
        yield s
    s.db.engine.dispose()


def _text(result) -> str:  # noqa: ANN001 - the CLI's output without the console's line wrapping
    return " ".join(result.output.split())


def _rebuild_chain(engine) -> None:  # noqa: ANN001 - what an attacker with UPDATE on the tables can do
    entries = list(audit.iter_entries(engine))
    prev = audit.GENESIS
    with engine.begin() as conn:
        for e in entries:
            fields = {k: v for k, v in e.items() if k not in ("prev_hash", "hash")}
            h = audit.entry_hash(prev, fields)
            conn.execute(update(audit_log).where(audit_log.c.seq == e["seq"]).values(prev_hash=prev, hash=h))
            prev = h
        conn.execute(update(audit_head).where(audit_head.c.id == 1).values(hash=prev))


def test_rewritten_and_rebuilt_chain_fails_only_against_anchors(fresh, tmp_path: Path) -> None:  # noqa: ANN001
    url, key, marks = fresh.cfg.db_url, tmp_path / "keys" / "anchor.key", tmp_path / "auditor" / "anchors.jsonl"
    marks.parent.mkdir()
    run = CliRunner().invoke
    r = run(cli_app, ["audit", "anchor", "--db", url, "--key-file", str(key), "--out", str(marks)])
    assert r.exit_code == 0, r.output
    assert stat.S_IMODE(key.stat().st_mode) == 0o600  # made on first use, owner-only
    cp = json.loads(marks.read_text())
    last = list(audit.iter_entries(fresh.db.engine))[-1]
    assert (cp["seq"], cp["hash"]) == (last["seq"], last["hash"]) and len(cp["hmac"]) == 64 and cp["at"]
    assert key.read_text().strip() not in marks.read_text()

    fresh.api("analyst", "POST", "/api/v1/cases/1/notes", json={"text": "after the anchor"})
    assert run(cli_app, ["audit", "anchor", "--db", url, "--key-file", str(key), "--out", str(marks)]).exit_code == 0
    ok = run(cli_app, ["audit", "verify", "--db", url, "--anchors", str(marks), "--key-file", str(key)])
    assert ok.exit_code == 0 and "2 anchors match" in _text(ok), ok.output

    with fresh.db.write() as conn:  # rewrite history: the case update never happened as recorded
        seq = conn.execute(select(audit_log.c.seq).where(audit_log.c.action == "case.update")).scalar()
        conn.execute(update(audit_log).where(audit_log.c.seq == seq).values(actor="mallory"))
    _rebuild_chain(fresh.db.engine)
    plain = run(cli_app, ["audit", "verify", "--db", url])
    assert plain.exit_code == 0 and "intact" in _text(plain)  # the unkeyed chain cannot tell
    bad = run(cli_app, ["audit", "verify", "--db", url, "--anchors", str(marks), "--key-file", str(key)])
    assert bad.exit_code == 1 and "BROKEN" in _text(bad), bad.output
    assert f"entry {cp['seq']} no longer has the hash" in _text(bad) and "rebuilt" in _text(bad)


def test_forged_anchor_wrong_key_and_loose_key_file_are_refused(fresh, tmp_path: Path) -> None:  # noqa: ANN001
    url, key, marks = fresh.cfg.db_url, tmp_path / "anchor.key", tmp_path / "anchors.jsonl"
    run = CliRunner().invoke
    assert run(cli_app, ["audit", "anchor", "--db", url, "--key-file", str(key), "--out", str(marks)]).exit_code == 0
    # The attacker rebuilt the chain and edits the anchor to match: without the key the HMAC fails.
    cp = json.loads(marks.read_text())
    forged = tmp_path / "forged.jsonl"
    forged.write_text(json.dumps({**cp, "hash": "f" * 64}) + "\n")
    r = run(cli_app, ["audit", "verify", "--db", url, "--anchors", str(forged), "--key-file", str(key)])
    assert r.exit_code == 1 and "signature does not match" in _text(r), r.output
    other = tmp_path / "other.key"
    other.write_text("ab" * 32 + "\n")
    os.chmod(other, 0o600)
    r = run(cli_app, ["audit", "verify", "--db", url, "--anchors", str(marks), "--key-file", str(other)])
    assert r.exit_code == 1 and "signature does not match" in _text(r)
    os.chmod(key, 0o644)
    r = run(cli_app, ["audit", "anchor", "--db", url, "--key-file", str(key)])
    assert r.exit_code == 2 and "chmod 600" in _text(r)
    os.chmod(key, 0o600)
    junk = tmp_path / "junk.jsonl"
    junk.write_text("x" * 10_000 + "\n")
    r = run(cli_app, ["audit", "verify", "--db", url, "--anchors", str(junk), "--key-file", str(key)])
    assert r.exit_code == 2 and "not an audit anchor" in _text(r)
    r = run(cli_app, ["audit", "verify", "--db", url, "--anchors", str(marks), "--key-file", str(tmp_path / "no.key")])
    assert r.exit_code == 2 and "no audit anchor key" in _text(r)


def test_anchor_refuses_a_broken_chain_and_env_sets_the_key_path(fresh, tmp_path: Path,  # noqa: ANN001
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    key = tmp_path / "env" / "k.key"
    monkeypatch.setenv("LUREWATCH_AUDIT_KEY_FILE", str(key))
    r = CliRunner().invoke(cli_app, ["audit", "anchor", "--db", fresh.cfg.db_url])
    assert r.exit_code == 0 and json.loads(r.stdout)["kind"] == "lurewatch-audit-anchor/1" and key.exists()
    with fresh.db.write() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 1).values(actor="mallory"))
    r = CliRunner().invoke(cli_app, ["audit", "anchor", "--db", fresh.cfg.db_url])
    assert r.exit_code == 2 and "broken" in _text(r)
