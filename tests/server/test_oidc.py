"""Single sign-on against a real OpenID Connect provider on 127.0.0.1 (tests/server/oidc_idp.py: Authlib's
authorization server, discovery, JWKS, RS256 ID tokens), through the authorization-code flow.

An identity logs in only as the account an admin linked to it (or by a verified e-mail when the admin
trusts that issuer's e-mails, or as a new auto-provisioned reporter); never by claiming a local account
whose name matches `preferred_username` or an unverified e-mail.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("authlib")
pytest.importorskip("flask")

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import select  # noqa: E402
from tests.server.conftest import PASSWORD, login  # noqa: E402
from tests.server.oidc_idp import CLIENT_ID, CLIENT_SECRET, TestIdP  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from lurewatch.server import audit, auth  # noqa: E402
from lurewatch.server.app import create_app  # noqa: E402
from lurewatch.server.config import ServerConfig  # noqa: E402

BASE = "http://127.0.0.1"
BROWSER = httpx.Client()  # the user's browser at the provider


@pytest.fixture
def idp() -> Iterator[TestIdP]:
    with TestIdP(BASE + "/login/oidc/callback") as p:
        yield p


@pytest.fixture
def sso(idp: TestIdP, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, TestClient]]:
    for var in ("LUREWATCH_OIDC_AUTO_CREATE", "LUREWATCH_OIDC_EMAIL_LINK_ISSUERS"):
        monkeypatch.delenv(var, raising=False)
    cfg = ServerConfig(db_url=f"sqlite:///{tmp_path}/o.sqlite", data_dir=tmp_path / "d", secure_cookies=False,
                       run_worker=False, oidc_issuer=idp.issuer, oidc_client_id=CLIENT_ID,
                       oidc_client_secret=CLIENT_SECRET)
    app = create_app(cfg)
    yield app, TestClient(app, base_url=BASE)  # no lifespan: no worker, no analyser warm-up needed here
    app.state.lw.db.engine.dispose()


def sso_login(c: TestClient, idp: TestIdP, claims: dict[str, Any]) -> httpx.Response:
    """The whole browser round trip: lurewatch -> provider /authorize -> lurewatch callback."""
    idp.person = claims
    start = c.get("/login/oidc", follow_redirects=False)
    assert start.status_code == 302 and start.headers["location"].startswith(idp.issuer + "/authorize?")
    at_idp = BROWSER.get(start.headers["location"], follow_redirects=False)
    assert at_idp.status_code == 302, at_idp.text[:300]
    back = at_idp.headers["location"]
    assert back.startswith(BASE + "/login/oidc/callback?code=")
    return c.get(back, follow_redirects=False)


def _user(app: Any, name: str, role: str = "analyst", password: str | None = PASSWORD) -> int:
    with app.state.lw.db.write() as conn:
        return auth.create_user(conn, name, role, password, audit.Actor(None, "test"))


def _links(app: Any) -> list[tuple[str, str, int, str]]:
    from lurewatch.server.tables import user_identities

    with app.state.lw.db.read() as conn:
        return [tuple(r) for r in conn.execute(select(user_identities.c.issuer, user_identities.c.sub,
                                                      user_identities.c.user_id, user_identities.c.via))]


def _logged_in(c: TestClient, r: httpx.Response) -> bool:
    return r.status_code == 303 and "lw_session" in r.headers.get("set-cookie", "") and \
        c.get("/api/v1/me").status_code == 200


def test_not_configured_is_404(tmp_path: Path) -> None:
    cfg = ServerConfig(db_url=f"sqlite:///{tmp_path}/n.sqlite", data_dir=tmp_path / "d", run_worker=False)
    with TestClient(create_app(cfg)) as c:
        assert c.get("/login/oidc").status_code == 404
        assert "organisation" not in c.get("/login").text


def test_preferred_username_does_not_claim_a_local_account(sso: Any, idp: TestIdP,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    app, c = sso
    _user(app, "bob", "admin")
    assert "organisation" in c.get("/login").text
    r = sso_login(c, idp, {"sub": "attacker-1", "preferred_username": "bob", "email": "bob@evil.example"})
    assert r.status_code == 403 and "No lurewatch account is linked" in r.text
    assert "lw_session" not in r.headers.get("set-cookie", "") and c.get("/api/v1/me").status_code == 401
    # auto-provisioning on: a new account, never the existing one
    monkeypatch.setenv("LUREWATCH_OIDC_AUTO_CREATE", "1")
    r = sso_login(c, idp, {"sub": "attacker-1", "preferred_username": "BOB"})
    assert r.status_code == 403 and "exists and is not linked" in r.text
    assert _links(app) == [] and idp.tokens_issued == 2  # the provider really issued signed ID tokens


def test_unverified_email_does_not_claim_a_local_account(sso: Any, idp: TestIdP,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    app, c = sso
    _user(app, "alice@example.org")
    monkeypatch.setenv("LUREWATCH_OIDC_EMAIL_LINK_ISSUERS", idp.issuer)  # even with e-mail linking on
    for verified in (False, "false", None):
        claims = {"sub": "s-alice", "email": "Alice@example.org", **({"email_verified": verified}
                                                                    if verified is not None else {})}
        r = sso_login(c, idp, claims)
        assert r.status_code == 403, verified
    assert _links(app) == [] and c.get("/api/v1/me").status_code == 401


def test_verified_email_links_only_for_a_trusted_issuer(sso: Any, idp: TestIdP,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    app, c = sso
    uid = _user(app, "carol@example.org")
    claims = {"sub": "s-carol", "email": "carol@example.org", "email_verified": True}
    assert sso_login(c, idp, claims).status_code == 403  # off by default
    monkeypatch.setenv("LUREWATCH_OIDC_EMAIL_LINK_ISSUERS", "https://other-idp.example")
    assert sso_login(c, idp, claims).status_code == 403  # on for another issuer only
    monkeypatch.setenv("LUREWATCH_OIDC_EMAIL_LINK_ISSUERS", "https://other-idp.example, " + idp.issuer + "/")
    assert _logged_in(c, sso_login(c, idp, claims))
    assert _links(app) == [(idp.issuer, "s-carol", uid, "email")]
    c.cookies.clear()
    # once linked, another identity with the same verified e-mail does not get in
    assert sso_login(c, idp, {**claims, "sub": "s-other"}).status_code == 403


def test_admin_linked_identity_logs_in(sso: Any, idp: TestIdP) -> None:
    app, c = sso
    uid = _user(app, "dave")
    admin = TestClient(app, base_url=BASE)
    _user(app, "root", "admin")
    csrf = login(admin, "root")
    h = {"X-CSRF-Token": csrf}
    r = admin.post(f"/api/v1/users/{uid}/identities", json={"sub": "corp|dave"}, headers=h)
    assert r.status_code == 201 and r.json()["issuer"] == idp.issuer, r.text
    assert admin.get(f"/api/v1/users/{uid}/identities").json()[0]["via"] == "admin"
    # the same identity cannot be linked to a second account
    other = _user(app, "eve")
    assert admin.post(f"/api/v1/users/{other}/identities", json={"sub": "corp|dave"}, headers=h).status_code == 422
    r = sso_login(c, idp, {"sub": "corp|dave", "preferred_username": "someone-else"})
    assert _logged_in(c, r) and c.get("/api/v1/me").json()["username"] == "dave"
    c.cookies.clear()
    # unlinked: refused again
    r = admin.delete(f"/api/v1/users/{uid}/identities", params={"sub": "corp|dave"}, headers=h)
    assert r.json() == {"user_id": uid, "unlinked": True}
    assert sso_login(c, idp, {"sub": "corp|dave"}).status_code == 403
    # a disabled account cannot log in through its identity
    admin.post(f"/api/v1/users/{uid}/identities", json={"sub": "corp|dave"}, headers=h)
    admin.patch(f"/api/v1/users/{uid}", json={"active": False}, headers=h)
    r = sso_login(c, idp, {"sub": "corp|dave"})
    assert r.status_code == 403 and "disabled" in r.text


def test_cli_pre_provisions_and_links(sso: Any, idp: TestIdP, tmp_path: Path) -> None:
    from lurewatch.cli import app as cli

    app, c = sso
    db = ["--db", str(app.state.lw.cfg.db_url)]
    run = CliRunner().invoke
    r = run(cli, ["admin", "create-user", "frank", "--role", "lead", "--oidc-sub", "f-1", "--oidc-issuer",
                  idp.issuer, *db])
    assert r.exit_code == 0, r.output
    assert _logged_in(c, sso_login(c, idp, {"sub": "f-1"}))
    assert c.get("/api/v1/me").json() == {"id": c.get("/api/v1/me").json()["id"], "username": "frank",
                                          "role": "lead", "via": "session"}
    c.cookies.clear()
    assert auth.authenticate(app.state.lw.db.engine, "frank", "") is None  # no password: SSO only
    _user(app, "gina")
    r = run(cli, ["admin", "link-identity", "gina", "g-1", "--issuer", idp.issuer, *db])
    assert r.exit_code == 0, r.output
    assert _logged_in(c, sso_login(c, idp, {"sub": "g-1"}))
    c.cookies.clear()
    r = run(cli, ["admin", "link-identity", "frank", "g-1", "--issuer", idp.issuer, *db])
    assert r.exit_code != 0 and "another account" in r.output
    assert run(cli, ["admin", "link-identity", "gina", "g-1", "--issuer", idp.issuer, "--unlink", *db]).exit_code == 0
    assert sso_login(c, idp, {"sub": "g-1"}).status_code == 403


def test_auto_create_makes_a_new_reporter(sso: Any, idp: TestIdP, monkeypatch: pytest.MonkeyPatch) -> None:
    app, c = sso
    monkeypatch.setenv("LUREWATCH_OIDC_AUTO_CREATE", "1")
    assert _logged_in(c, sso_login(c, idp, {"sub": "n-1", "preferred_username": "newcomer"}))
    assert c.get("/api/v1/me").json()["role"] == "reporter"
    c.cookies.clear()
    assert _logged_in(c, sso_login(c, idp, {"sub": "n-1", "preferred_username": "renamed"}))  # by sub now
    assert [x[1:] for x in _links(app)] == [("n-1", c.get("/api/v1/me").json()["id"], "auto")]


def test_link_made_before_0005_keeps_working(idp: TestIdP, tmp_path: Path) -> None:
    """users.oidc_sub (the old link) moves to user_identities; its first login records the issuer."""
    from datetime import UTC, datetime

    from alembic import command
    from sqlalchemy import create_engine, text

    from lurewatch.server import migrate

    url = f"sqlite:///{tmp_path}/old.sqlite"
    engine = create_engine(url)
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
        conn.execute(text("INSERT INTO users (username, role, active, oidc_sub, created_at) "
                          "VALUES ('old', 'analyst', 1, 'old-sub', :t)"), {"t": datetime.now(UTC)})
    engine.dispose()
    app = create_app(ServerConfig(db_url=url, data_dir=tmp_path / "d", secure_cookies=False, run_worker=False,
                                  oidc_issuer=idp.issuer, oidc_client_id=CLIENT_ID,
                                  oidc_client_secret=CLIENT_SECRET))
    assert [x[:2] for x in _links(app)] == [("", "old-sub")]
    c = TestClient(app, base_url=BASE)
    assert _logged_in(c, sso_login(c, idp, {"sub": "old-sub"}))
    assert [x[:2] for x in _links(app)] == [(idp.issuer, "old-sub")]
    app.state.lw.db.engine.dispose()


def test_failed_flows_are_refused(sso: Any, idp: TestIdP) -> None:
    app, c = sso
    _user(app, "henry")
    assert c.get("/login/oidc/callback?code=x&state=forged").status_code == 401
    # an ID token signed by a key the provider does not publish
    from joserfc.jwk import RSAKey

    uid = _user(app, "ivy")
    with app.state.lw.db.write() as conn:
        from lurewatch.server import identities

        identities.link(conn, uid, idp.issuer, "ivy-1", "admin", audit.Actor(None, "test"))
    published = idp.key
    idp.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig", "alg": "RS256"})
    idp.published = published
    r = sso_login(c, idp, {"sub": "ivy-1"})
    assert r.status_code == 401 and c.get("/api/v1/me").status_code == 401


def test_a_trusted_issuers_verified_email_becomes_the_mail_intake_address(sso: Any, idp: TestIdP,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Forwarded e-mails are attributed by verified address: a sign-on from a trusted issuer supplies it."""
    from lurewatch.server import identities, mail_intake

    app, c = sso
    dave, erin = _user(app, "dave"), _user(app, "erin")
    with app.state.lw.db.write() as conn:
        identities.link(conn, dave, idp.issuer, "s-dave", "admin", audit.Actor(None, "test"))
        identities.link(conn, erin, idp.issuer, "s-erin", "admin", audit.Actor(None, "test"))
        mail_intake.add_address(conn, erin, "erin@example.org", audit.Actor(None, "test"))

    def addresses() -> dict[str, str]:
        with app.state.lw.db.read() as conn:
            return {r["address"]: r["username"] for r in mail_intake.list_addresses(conn)}

    claims = {"sub": "s-dave", "email": "Dave@Example.org", "email_verified": True}
    assert _logged_in(c, sso_login(c, idp, claims))
    assert addresses() == {"erin@example.org": "erin"}  # the issuer's e-mails are not trusted by default
    monkeypatch.setenv("LUREWATCH_OIDC_EMAIL_LINK_ISSUERS", idp.issuer)
    c.cookies.clear()
    assert _logged_in(c, sso_login(c, idp, {**claims, "email_verified": False}))
    assert "dave@example.org" not in addresses()
    c.cookies.clear()
    assert _logged_in(c, sso_login(c, idp, claims))
    assert addresses() == {"erin@example.org": "erin", "dave@example.org": "dave"}
    c.cookies.clear()  # another account's address is never taken
    assert _logged_in(c, sso_login(c, idp, {**claims, "email": "erin@example.org"}))
    assert addresses() == {"erin@example.org": "erin", "dave@example.org": "dave"}
