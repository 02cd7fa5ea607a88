"""Request dependencies: the app state, the current user (API key or session cookie), roles, CSRF."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Depends, Request
from jinja2 import Environment

from lurewatch.server import audit, auth
from lurewatch.server.auth import User
from lurewatch.server.config import ServerConfig
from lurewatch.server.database import Database
from lurewatch.server.login_guard import LoginGuard, LoginLimits

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass(slots=True)
class State:
    cfg: ServerConfig
    db: Database
    sessions: auth.Sessions
    templates: Environment
    setup_token: str | None  # first-run: needed to create the first admin in the browser
    login: LoginGuard = field(default_factory=lambda: LoginGuard(LoginLimits.from_env()))


class LoginRequired(Exception):
    pass


class Forbidden(Exception):
    pass


class CSRFError(Exception):
    pass


def state(request: Request) -> State:
    return request.app.state.lw


def request_id(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", ""))


def _api_key(request: Request) -> str | None:
    h = request.headers.get("authorization", "")
    if h.lower().startswith("bearer "):
        return h[7:].strip()
    return request.headers.get("x-api-key")


async def optional_user(request: Request) -> User | None:
    if "lw_user" in request.scope.get("state", {}):
        return request.scope["state"]["lw_user"]
    st = state(request)
    user: User | None = None
    key = _api_key(request)
    if key:
        with st.db.read() as conn:
            user = auth.user_for_api_key(conn, key)
        if user is None:
            raise LoginRequired("invalid, expired or revoked API key")
    else:
        sess = st.sessions.read(request.cookies.get(auth.SESSION_COOKIE))
        if sess:
            with st.db.read() as conn:
                user = auth.load_user(conn, sess["uid"], sess["sv"])
            if user is not None:
                user.csrf = str(sess.get("csrf", ""))
                if request.method not in SAFE_METHODS:
                    await _check_csrf(request, user.csrf)
    request.scope.setdefault("state", {})["lw_user"] = user
    return user


async def _check_csrf(request: Request, expected: str) -> None:
    sent = request.headers.get("x-csrf-token")
    if not sent and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        v = form.get("csrf_token")
        sent = v if isinstance(v, str) else None
    if not sent or not expected or not secrets.compare_digest(sent, expected):
        raise CSRFError("missing or wrong CSRF token")


async def current_user(user: User | None = Depends(optional_user)) -> User:
    if user is None:
        raise LoginRequired("authentication required")
    return user


def require(role: str) -> Any:
    async def dep(user: User = Depends(current_user)) -> User:
        if not user.can(role):
            raise Forbidden(f"this needs the {role} role")
        return user

    return dep


def actor(request: Request, user: User | None) -> audit.Actor:
    return audit.Actor(user.id if user else None, user.username if user else "anonymous", request_id(request))


def client_address(request: Request) -> str:
    """The peer's address (behind a reverse proxy: what uvicorn's proxy-header handling set)."""
    return (request.client.host if request.client else "unknown")[:64]


def data_dir(request: Request) -> Path:
    return state(request).cfg.data_dir
