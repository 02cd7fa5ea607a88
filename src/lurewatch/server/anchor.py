"""Keyed anchors for the audit chain: HMAC-SHA256 checkpoints of the chain head.

The hash chain (`lurewatch.server.audit`) shows that entries were edited, deleted or reordered, but
anyone who can write to the database can rewrite history and recompute every hash. An anchor closes
that gap: `{"seq", "hash", "at"}` of the newest entry, signed with HMAC-SHA256 under a key kept outside
the database (a file, created 0600). An auditor keeps the anchors elsewhere; `check` then reports any
anchored entry that is missing or whose hash changed, i.e. a chain that was rebuilt since.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from lurewatch.server import audit
from lurewatch.server.tables import audit_log

KIND = "lurewatch-audit-anchor/1"
MAX_LINE = 4096  # an anchor is ~300 bytes; longer lines are not anchors
MAX_ANCHORS = 1_000_000


class AnchorError(ValueError):
    """No usable key, a broken chain, or an unreadable anchor file; the message says which."""


def load_key(path: Path, create: bool = True) -> bytes:
    """The anchor key from `path` (64 hex characters); made there, mode 0600, if missing and `create`."""
    path = Path(path)
    if not path.exists():
        if not create:
            raise AnchorError(f"no audit anchor key at {path}")
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # made by another process meanwhile: read theirs
            return load_key(path, create=False)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32) + "\n")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise AnchorError(f"the audit anchor key {path} is readable by others (mode {mode:o}); chmod 600 it")
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii", errors="strict")[:200].strip())
    except ValueError as e:
        raise AnchorError(f"the audit anchor key {path} is not 64 hex characters") from e
    if len(key) < 32:
        raise AnchorError(f"the audit anchor key {path} is shorter than 32 bytes")
    return key


def key_id(key: bytes) -> str:
    """A short public name of the key (not the key): which key signed an anchor."""
    return hashlib.sha256(b"lurewatch-audit-anchor-key-id\n" + key).hexdigest()[:16]


def _mac(key: bytes, seq: int, head: str, at: str) -> str:
    msg = f"{KIND}\n{seq}\n{head}\n{at}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def checkpoint(engine: Engine, key: bytes) -> dict[str, Any]:
    """A signed checkpoint of the chain head; refuses to anchor a chain that does not verify."""
    r = audit.verify(engine)
    if not r.ok:
        raise AnchorError(f"the audit chain is broken ({r.problems[0]}); not anchoring it")
    with engine.connect() as conn:
        last = conn.execute(select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)).first()
    seq, head = (int(last[0]), str(last[1])) if last else (0, audit.GENESIS)
    at = datetime.now(UTC).isoformat(timespec="seconds")
    return {"kind": KIND, "seq": seq, "hash": head, "at": at, "key_id": key_id(key), "hmac": _mac(key, seq, head, at)}


def append(path: Path, anchor: dict[str, Any]) -> None:
    with Path(path).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(anchor, sort_keys=True) + "\n")


def read(paths: list[Path]) -> list[tuple[str, dict[str, Any]]]:
    """(where, anchor) for every line of the files; a line that is not an anchor is an AnchorError."""
    out: list[tuple[str, dict[str, Any]]] = []
    for p in paths:
        with Path(p).open(encoding="utf-8", errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                where = f"{p}:{n}"
                if len(line) > MAX_LINE or len(out) >= MAX_ANCHORS:
                    raise AnchorError(f"{where}: not an audit anchor (too long, or too many)")
                try:
                    a = json.loads(line)
                except ValueError as e:
                    raise AnchorError(f"{where}: not an audit anchor (not JSON)") from e
                ok = isinstance(a, dict) and a.get("kind") == KIND and isinstance(a.get("seq"), int)
                if not ok or not all(isinstance(a.get(k), str) for k in ("hash", "at", "hmac")):
                    raise AnchorError(f"{where}: not an audit anchor")
                out.append((where, a))
    return out


def check(engine: Engine, anchors: list[tuple[str, dict[str, Any]]], key: bytes) -> list[str]:
    """Problems: an anchor not signed with `key`, or an anchored entry missing or changed since."""
    problems: list[str] = []
    audit.chain(engine)
    with engine.connect() as conn:
        for where, a in anchors:
            seq, head, at = a["seq"], a["hash"], a["at"]
            if not hmac.compare_digest(_mac(key, seq, head, at), a["hmac"]):
                problems.append(f"{where}: anchor signature does not match (altered, forged or another key)")
                continue
            if seq == 0:
                continue
            now = conn.execute(select(audit_log.c.hash).where(audit_log.c.seq == seq)).scalar()
            if now is None:
                problems.append(f"{where}: entry {seq}, anchored {at}, is missing: the chain was cut or rebuilt")
            elif now != head:
                problems.append(
                    f"{where}: entry {seq} no longer has the hash anchored {at}: history up to it was "
                    "rewritten and the chain rebuilt"
                )
    return problems
