"""Optional OIDC login: account matching and the callback (the identity provider is faked)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("authlib")

from fastapi.testclient import TestClient  # noqa: E402

from lurewatch.server import audit, auth, oidc  # noqa: E402
from lurewatch.server.app import create_app  # noqa: E402
from lurewatch.server.config import ServerConfig  # noqa: E402


def _app(tmp_path: Path) -> Any:
    cfg = ServerConfig(db_url=f"sqlite:///{tmp_path}/o.sqlite", data_dir=tmp_path / "d", secure_cookies=False,
                       run_worker=False, oidc_issuer="https://idp.example", oidc_client_id="lw",
                       oidc_client_secret="s")
    return create_app(cfg)


def test_not_configured_is_404(tmp_path: Path) -> None:
    cfg = ServerConfig(db_url=f"sqlite:///{tmp_path}/n.sqlite", data_dir=tmp_path / "d", run_worker=False)
    with TestClient(create_app(cfg)) as c:
        assert c.get("/login/oidc").status_code == 404
        assert "organisation" not in c.get("/login").text


def test_resolve_links_once_then_by_sub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(tmp_path)
    db = app.state.lw.db
    act = audit.Actor(None, "t")
    with db.write() as conn:
        uid = auth.create_user(conn, "alice@example.org", "analyst", "long-password-1", act)
        assert oidc.resolve(conn, {"sub": "s-1", "email": "Alice@example.org"}, act) == uid
        assert oidc.resolve(conn, {"sub": "s-1"}, act) == uid
        # another sub cannot take over a linked account
        assert oidc.resolve(conn, {"sub": "s-2", "email": "alice@example.org"}, act) is None
        assert oidc.resolve(conn, {"sub": "s-3", "preferred_username": "newcomer"}, act) is None
        monkeypatch.setenv("LUREWATCH_OIDC_AUTO_CREATE", "1")
        new = oidc.resolve(conn, {"sub": "s-3", "preferred_username": "newcomer"}, act)
        assert new and auth.load_user(conn, new).role == "reporter"
        assert oidc.resolve(conn, {}, act) is None


def test_callback_logs_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(tmp_path)
    with app.state.lw.db.write() as conn:
        auth.create_user(conn, "bob", "analyst", "long-password-1", audit.Actor(None, "t"))

    async def fake_token(request: Any) -> dict[str, Any]:
        return {"userinfo": {"sub": "bob-sub", "preferred_username": "bob"}}

    with TestClient(app, base_url="http://127.0.0.1") as c:
        assert "organisation" in c.get("/login").text
        monkeypatch.setattr(app.state.oauth.oidc, "authorize_access_token", fake_token)
        r = c.get("/login/oidc/callback", follow_redirects=False)
        assert r.status_code == 303 and "lw_session" in r.headers["set-cookie"]
        assert c.get("/queue").status_code == 200

        async def broken(request: Any) -> dict[str, Any]:
            raise ValueError("mismatching state")

        monkeypatch.setattr(app.state.oauth.oidc, "authorize_access_token", broken)
        c.cookies.clear()
        assert c.get("/login/oidc/callback").status_code == 401
