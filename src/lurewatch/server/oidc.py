"""Optional single sign-on by OpenID Connect (authorization-code flow through authlib).

Configured by LUREWATCH_OIDC_ISSUER / _CLIENT_ID / _CLIENT_SECRET; without them the routes answer 404.
Accounts are matched by the token's `sub`; an unknown `sub` is linked once to the account whose username
is the `preferred_username` (or e-mail); with LUREWATCH_OIDC_AUTO_CREATE=1 a new reporter is created.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from lurewatch.server import audit
from lurewatch.server.config import ServerConfig
from lurewatch.server.deps import actor, state
from lurewatch.server.service import NotFound
from lurewatch.server.tables import users

router = APIRouter()


def install(app: FastAPI, cfg: ServerConfig) -> None:
    """Register the identity provider (when configured) and the session the OIDC flow needs."""
    if not (cfg.oidc_issuer and cfg.oidc_client_id):
        app.state.oauth = None
        return
    from authlib.integrations.starlette_client import OAuth
    from starlette.middleware.sessions import SessionMiddleware

    oauth = OAuth()
    oauth.register("oidc", client_id=cfg.oidc_client_id, client_secret=cfg.oidc_client_secret,
                   server_metadata_url=cfg.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
                   client_kwargs={"scope": "openid email profile"})
    app.state.oauth = oauth
    app.add_middleware(SessionMiddleware, secret_key=app.state.lw.sessions.secret, session_cookie="lw_oidc",
                       max_age=600, same_site="lax", https_only=cfg.secure_cookies)


def _client(request: Request) -> Any:
    oauth = getattr(request.app.state, "oauth", None)
    if oauth is None:
        raise NotFound("single sign-on is not configured")
    return oauth.oidc


@router.get("/login/oidc")
async def oidc_start(request: Request) -> Response:
    client = _client(request)
    return await client.authorize_redirect(request, str(request.url_for("oidc_callback")))


@router.get("/login/oidc/callback", name="oidc_callback")
async def oidc_callback(request: Request) -> Response:
    from lurewatch.server.web.account import _set_session
    from lurewatch.server.web.pages import redirect, render

    client = _client(request)
    try:
        token = await client.authorize_access_token(request)
        info = token.get("userinfo") or await client.userinfo(token=token)
    except Exception:  # any failure of the flow (state, code, signature) is a refused login
        return render(request, "login.html", None, status=401, csrf="",
                      error="Single sign-on failed; try again or use your password.")
    st = state(request)
    with st.db.write() as conn:
        uid = resolve(conn, dict(info), actor(request, None))
    if uid is None:
        return render(request, "login.html", None, status=403, csrf="",
                      error="No lurewatch account for you yet; ask an administrator.")
    resp = redirect("/")
    _set_session(request, resp, uid)
    return resp


def resolve(conn: Connection, info: dict[str, Any], act: audit.Actor) -> int | None:
    """The account id for verified OIDC claims, or None."""
    sub = str(info.get("sub") or "")[:255]
    if not sub:
        return None
    r = conn.execute(select(users.c.id, users.c.active).where(users.c.oidc_sub == sub)).first()
    if r is not None:
        return int(r.id) if r.active else None
    name = str(info.get("preferred_username") or info.get("email") or "").strip()[:150]
    if name:
        r = conn.execute(select(users.c.id, users.c.active, users.c.oidc_sub)
                         .where(func.lower(users.c.username) == name.lower())).first()
        if r is not None and r.oidc_sub is None:
            conn.execute(update(users).where(users.c.id == r.id).values(oidc_sub=sub))
            audit.record(conn, act, "user.oidc_link", "user", r.id, before={"oidc": False}, after={"oidc": True})
            return int(r.id) if r.active else None
    if os.environ.get("LUREWATCH_OIDC_AUTO_CREATE") == "1" and name and not any(c.isspace() for c in name):
        uid = conn.execute(insert(users).values(username=name, role="reporter", active=True, oidc_sub=sub,
                                                password_hash=None, created_at=datetime.now(UTC))
                           .returning(users.c.id)).scalar_one()
        audit.record(conn, act, "user.create", "user", uid, after={"username": name, "role": "reporter",
                                                                  "via": "oidc"})
        return int(uid)
    return None
