"""Server settings: from arguments, else environment variables, else safe defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from lurewatch.store.db import resolve_db

MB = 1024 * 1024


@dataclass(slots=True)
class ServerConfig:
    db_url: str = ""
    data_dir: Path = field(default_factory=lambda: Path(platformdirs.user_data_dir("lurewatch")) / "server")
    secure_cookies: bool = True
    secret_key: str | None = None  # None: read from (or generated once into) the session key file
    secret_key_file: Path | None = None  # None: LUREWATCH_SECRET_KEY_FILE, else <data_dir>/session.key
    max_zip_bytes: int = 200 * MB
    max_image_bytes: int = 5 * MB
    max_doc_bytes: int = 10 * MB  # .eml, JSON Resume
    max_message_chars: int = 100_000
    session_hours: int = 12
    run_worker: bool = True  # the in-process job worker (exports scanned in the background)
    worker_poll_seconds: float = 0.5
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    audit_key_file: Path | None = None  # HMAC key of audit anchors; None: data_dir / "audit-anchor.key"

    def anchor_key_path(self) -> Path:
        """The audit anchor key's file: outside the database, made 0600 on first use."""
        return self.audit_key_file or self.data_dir / "audit-anchor.key"

    @classmethod
    def from_env(cls, db: str | None = None, **overrides: object) -> ServerConfig:
        env = os.environ
        cfg = cls(db_url=resolve_db(db))
        if env.get("LUREWATCH_DATA_DIR"):
            cfg.data_dir = Path(env["LUREWATCH_DATA_DIR"])
        if env.get("LUREWATCH_SECRET_KEY"):
            cfg.secret_key = env["LUREWATCH_SECRET_KEY"]
        if env.get("LUREWATCH_AUDIT_KEY_FILE"):
            cfg.audit_key_file = Path(env["LUREWATCH_AUDIT_KEY_FILE"])
        if env.get("LUREWATCH_SECRET_KEY_FILE"):
            cfg.secret_key_file = Path(env["LUREWATCH_SECRET_KEY_FILE"])
        if env.get("LUREWATCH_NO_WORKER") == "1":
            cfg.run_worker = False
        if env.get("LUREWATCH_INSECURE_COOKIES") == "1":
            cfg.secure_cookies = False
        cfg.oidc_issuer = env.get("LUREWATCH_OIDC_ISSUER") or None
        cfg.oidc_client_id = env.get("LUREWATCH_OIDC_CLIENT_ID") or None
        cfg.oidc_client_secret = env.get("LUREWATCH_OIDC_CLIENT_SECRET") or None
        for k, v in overrides.items():
            setattr(cfg, k, v)
        return cfg
