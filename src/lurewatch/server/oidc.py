"""Optional single sign-on by OpenID Connect (authorization-code flow through authlib).

Configured by LUREWATCH_OIDC_ISSUER / _CLIENT_ID / _CLIENT_SECRET; without them the routes answer 404.
Which account an identity (issuer, sub) logs in as is decided by `lurewatch.server.identities`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from lurewatch.server import identities
from lurewatch.server.config import ServerConfig
from lurewatch.server.deps import actor, state
from lurewatch.server.service import NotFound

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
    issuer = str(info.get("iss") or client.server_metadata.get("issuer") or state(request).cfg.oidc_issuer)
    with state(request).db.write() as conn:
        outcome = identities.resolve(conn, issuer, dict(info), actor(request, None))
        if outcome.uid is not None:
            from lurewatch.server.mail_intake import learn_from_sign_on

            learn_from_sign_on(conn, outcome.uid, issuer, dict(info), actor(request, None))
    if outcome.uid is None:
        return render(request, "login.html", None, status=403, csrf="", error=outcome.error)
    resp = redirect("/")
    _set_session(request, resp, outcome.uid)
    return resp
