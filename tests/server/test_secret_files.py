"""Finding 3: the database files are private (0600) and the session key lives outside the database."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy import insert, select
from tests.server.conftest import make_server
from typer.testing import CliRunner

from lurewatch.server.database import Database
from lurewatch.server.tables import settings
from lurewatch.store.db import Store


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def _settings_keys(engine) -> list[str]:  # noqa: ANN001
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(select(settings.c.key))]


def test_server_sqlite_and_wal_files_are_0600(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask: files would be created 0644
    try:
        s = make_server(f"sqlite:///{tmp_path}/lw.sqlite", tmp_path / "data")
        with s.client:
            s.add_user("admin")
            for suffix in ("", "-wal", "-shm"):
                p = tmp_path / f"lw.sqlite{suffix}"
                assert p.exists(), suffix
                assert _mode(p) == 0o600, (suffix, oct(_mode(p)))
        s.db.engine.dispose()
    finally:
        os.umask(old)


def test_cli_store_file_is_0600_and_an_existing_one_is_tightened(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        Store(tmp_path / "new.sqlite").count()
        assert _mode(tmp_path / "new.sqlite") == 0o600
        legacy = tmp_path / "old.sqlite"
        Store(legacy).engine.dispose()
        os.chmod(legacy, 0o644)
        Store(legacy).count()
        assert _mode(legacy) == 0o600
    finally:
        os.umask(old)


def test_session_key_is_in_a_private_file_not_in_the_database(tmp_path: Path) -> None:
    s = make_server(f"sqlite:///{tmp_path}/lw.sqlite", tmp_path / "data")
    key_file = tmp_path / "data" / "session.key"
    assert "secret_key" not in _settings_keys(s.db.engine)
    assert key_file.read_text().strip() == s.app.state.lw.sessions.secret
    assert _mode(key_file) == 0o600
    again = make_server(f"sqlite:///{tmp_path}/lw.sqlite", tmp_path / "data")  # a restart keeps the key
    assert again.app.state.lw.sessions.secret == s.app.state.lw.sessions.secret


def test_a_key_left_in_settings_is_moved_out_and_sessions_survive(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/lw.sqlite"
    legacy = "L" * 64
    db = Database(url)
    with db.engine.begin() as conn:
        conn.execute(insert(settings).values(key="secret_key", value=legacy))
    db.engine.dispose()
    s = make_server(url, tmp_path / "data")
    assert s.app.state.lw.sessions.secret == legacy
    assert "secret_key" not in _settings_keys(s.db.engine)
    assert (tmp_path / "data" / "session.key").read_text().strip() == legacy


def test_rotate_session_key_ends_sessions(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from lurewatch.cli import app

    url = f"sqlite:///{tmp_path}/lw.sqlite"
    monkeypatch.setenv("LUREWATCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("LUREWATCH_SECRET_KEY", raising=False)
    monkeypatch.delenv("LUREWATCH_SECRET_KEY_FILE", raising=False)
    s = make_server(url, tmp_path / "data")
    cookie, _ = s.app.state.lw.sessions.issue(1, 0)
    assert s.app.state.lw.sessions.read(cookie)
    r = CliRunner().invoke(app, ["admin", "rotate-session-key", "--db", url])
    assert r.exit_code == 0, r.output
    after = make_server(url, tmp_path / "data")
    assert after.app.state.lw.sessions.secret != s.app.state.lw.sessions.secret
    assert after.app.state.lw.sessions.read(cookie) is None
    assert _mode(tmp_path / "data" / "session.key") == 0o600
