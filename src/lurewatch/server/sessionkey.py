"""The session signing key: kept in a 0600 file outside the database, never in the `settings` table.

Order: LUREWATCH_SECRET_KEY (config) > the key file (LUREWATCH_SECRET_KEY_FILE, default
`<data dir>/session.key`) > a new random key written there. A key left in `settings` by older versions is
moved to the key file at start-up and deleted from the table. Rotating the key ends every session.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine

from lurewatch.server.tables import settings

LEGACY_SETTING = "secret_key"
MIN_KEY_CHARS = 32


def key_path(data_dir: Path, configured: str | Path | None = None) -> Path:
    value = configured or os.environ.get("LUREWATCH_SECRET_KEY_FILE")
    return Path(value).expanduser() if value else Path(data_dir) / "session.key"


def _write_new(path: Path, value: str, replace: bool) -> None:
    """Write `value` to `path` 0600, atomically: a reader never sees a partial key."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(value + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            with contextlib.suppress(FileExistsError):  # another process won the race: keep its key
                os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read_key(path: Path) -> str | None:
    try:
        value = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    if len(value) < MIN_KEY_CHARS:
        raise RuntimeError(f"the session key file {path} is too short (at least {MIN_KEY_CHARS} characters)")
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
    return value


def session_key(engine: Engine, path: Path, configured: str | None = None) -> str:
    """The key to sign sessions with; moves a key found in the database out of it first."""
    with engine.begin() as conn:
        legacy = conn.execute(select(settings.c.value).where(settings.c.key == LEGACY_SETTING)).scalar()
        if legacy is not None:
            if read_key(path) is None and len(str(legacy)) >= MIN_KEY_CHARS:
                _write_new(path, str(legacy), replace=False)  # sessions signed with it stay valid
            conn.execute(delete(settings).where(settings.c.key == LEGACY_SETTING))
    if configured:
        return configured
    value = read_key(path)
    if value is None:
        _write_new(path, secrets.token_urlsafe(48), replace=False)
        value = read_key(path)
    assert value is not None
    return value


def rotate(path: Path) -> None:
    """A new random key in the key file; servers pick it up when restarted, and every session ends."""
    _write_new(path, secrets.token_urlsafe(48), replace=True)
