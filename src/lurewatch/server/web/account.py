"""Login, logout, first-run setup, API keys, accounts (admin) and the audit page (lead)."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import select

from lurewatch.server import audit, auth, login_guard, service
from lurewatch.server.api.admin import check_revocable
from lurewatch.server.api.common import Id
from lurewatch.server.auth import User
from lurewatch.server.deps import actor, client_address, current_user, optional_user, require, state
from lurewatch.server.tables import api_keys, users
from lurewatch.server.web.pages import redirect, render

router = APIRouter()
PRE_COOKIE = "lw_pre"  # pre-session CSRF token for the login and setup forms


def _set_session(request: Request, response: Response, uid: int) -> None:
    st = state(request)
    with st.db.read() as conn:
        version = auth.session_version(conn, uid)
    cookie, _ = st.sessions.issue(uid, version)
    response.set_cookie(auth.SESSION_COOKIE, cookie, max_age=st.sessions.max_age, httponly=True,
                        samesite="lax", secure=st.cfg.secure_cookies, path="/")
    response.delete_cookie(PRE_COOKIE, path="/")


def _pre_form(request: Request, template: str, status: int = 200, **ctx: Any) -> Response:
    token = secrets.token_urlsafe(24)
    resp = render(request, template, None, status=status, csrf=token, **ctx)
    resp.set_cookie(PRE_COOKIE, token, max_age=3600, httponly=True, samesite="strict",
                    secure=state(request).cfg.secure_cookies, path="/")
    return resp


def _pre_ok(request: Request, token: str) -> bool:
    expected = request.cookies.get(PRE_COOKIE, "")
    return bool(expected) and secrets.compare_digest(expected, token)


@router.get("/")
def home(user: User | None = Depends(optional_user)) -> Response:
    if user is None:
        return redirect("/login")
    return redirect("/queue" if user.can("analyst") else "/report")


@router.get("/login")
def login_form(request: Request, user: User | None = Depends(optional_user)) -> Response:
    if user is not None:
        return redirect("/")
    if state(request).setup_token and auth.count_users(state(request).db.engine) == 0:
        return redirect("/setup")
    return _pre_form(request, "login.html")


@router.post("/login")
def login(request: Request, username: str = Form(max_length=20_000), password: str = Form(max_length=1024),
          csrf_token: str = Form("", max_length=100)) -> Response:
    # a name longer than any account's (150) is accepted here so that it counts as a failed attempt
    if not _pre_ok(request, csrf_token):
        return _pre_form(request, "login.html", 403, error="The form expired; try again.")
    st, address = state(request), client_address(request)
    wait = st.login.retry_after(username, address)
    if wait:
        return _busy(request, 429, wait, f"Too many failed logins; try again in {_minutes(wait)}.")
    try:
        user = auth.authenticate(st.db.engine, username, password, st.login.gate)
    except login_guard.Busy:
        return _busy(request, 503, 1, "The server is busy; try again in a moment.")
    if user is None:
        _record_failure(request, username, address, st.login.failed(username, address))
        return _pre_form(request, "login.html", 401, error="Wrong username or password.")
    st.login.succeeded(username)
    resp = redirect("/")
    _set_session(request, resp, user.id)
    return resp


def _busy(request: Request, status: int, seconds: int, message: str) -> Response:
    resp = _pre_form(request, "login.html", status, error=message)
    resp.headers["retry-after"] = str(seconds)
    return resp


def _minutes(seconds: int) -> str:
    return f"{seconds} seconds" if seconds < 120 else f"{(seconds + 59) // 60} minutes"


def _record_failure(request: Request, username: str, address: str, f: login_guard.Failure) -> None:
    """Bounded audit entries: the first failure of a name in the window and each lockout (with the count)."""
    if not (f.first or f.account_locked or f.address_locked):
        return
    name = login_guard.audit_name(username)
    who = audit.Actor(None, "anonymous", actor(request, None).request_id)
    with state(request).db.write() as conn:
        if f.first:
            audit.record(conn, who, "login.fail", "user", name, after={"address": address})
        if f.account_locked:
            audit.record(conn, who, "login.lockout", "user", name,
                         after={"address": address, "failures": f.count})
        if f.address_locked:
            audit.record(conn, who, "login.lockout", "address", address,
                         after={"failures": state(request).login.limits.address_failures, "last_name": name})


@router.post("/logout")
def logout(request: Request, user: User = Depends(current_user)) -> Response:
    with state(request).db.write() as conn:
        auth.end_sessions(conn, user.id)  # every session of this account, not only this browser's
    resp = redirect("/login")
    resp.delete_cookie(auth.SESSION_COOKIE, path="/")
    return resp


@router.get("/setup")
def setup_form(request: Request) -> Response:
    st = state(request)
    if not st.setup_token or auth.count_users(st.db.engine) > 0:
        return redirect("/login")
    return _pre_form(request, "setup.html")


@router.post("/setup")
def setup(request: Request, token: str = Form(max_length=100), username: str = Form(max_length=150),
          password: str = Form(max_length=1024), csrf_token: str = Form("", max_length=100)) -> Response:
    st = state(request)
    if not st.setup_token or auth.count_users(st.db.engine) > 0:
        return redirect("/login")
    if not _pre_ok(request, csrf_token) or not secrets.compare_digest(token, st.setup_token):
        return _pre_form(request, "setup.html", 403, error="Wrong setup token (see the server's log).")
    try:
        with st.db.write() as conn:
            uid = auth.create_user(conn, username, "admin", password, audit.Actor(None, "setup",
                                                                                  actor(request, None).request_id))
    except auth.AuthError as e:
        return _pre_form(request, "setup.html", 422, error=str(e))
    st.setup_token = None
    resp = redirect("/")
    _set_session(request, resp, uid)
    return resp


@router.get("/account/keys")
def keys_page(request: Request, user: User = Depends(current_user), new_key: str = "") -> Response:
    with state(request).db.read() as conn:
        rows = conn.execute(select(api_keys).where(api_keys.c.user_id == user.id).order_by(api_keys.c.id)
                            ).mappings().all()
    return render(request, "keys.html", user, keys=rows, new_key=None)


@router.post("/account/keys")
def create_key(request: Request, name: str = Form(max_length=150), role: str = Form("", max_length=16),
               days: int = Form(90, ge=0, le=3650), user: User = Depends(current_user)) -> Response:
    with state(request).db.write() as conn:
        try:
            _, key = auth.create_api_key(conn, user, name, role or None, days or None, actor(request, user))
        except auth.AuthError as e:
            raise service.Invalid(str(e)) from e
        rows = conn.execute(select(api_keys).where(api_keys.c.user_id == user.id).order_by(api_keys.c.id)
                            ).mappings().all()
    return render(request, "keys.html", user, keys=rows, new_key=key)  # shown once, never stored in clear


@router.post("/account/keys/{key_id}/revoke")
def revoke_key(key_id: Id, request: Request, user: User = Depends(current_user)) -> Response:
    with state(request).db.write() as conn:
        check_revocable(conn, user, key_id, others=False)
        auth.revoke_api_key(conn, key_id, actor(request, user))
    return redirect("/account/keys")


@router.get("/admin/users")
def users_page(request: Request, user: User = Depends(require("admin"))) -> Response:
    with state(request).db.read() as conn:
        rows = conn.execute(select(users).order_by(users.c.id)).mappings().all()
    return render(request, "users.html", user, users=rows, roles=auth.ROLES)


@router.get("/admin/alerts")
def alerts_page(request: Request, user: User = Depends(require("admin"))) -> Response:
    from lurewatch.db.alert_tables import alert_outbox, webhooks

    with state(request).db.read() as conn:
        hooks = conn.execute(select(webhooks).order_by(webhooks.c.id)).mappings().all()
        log = conn.execute(select(alert_outbox).order_by(alert_outbox.c.id.desc()).limit(200)).mappings().all()
    return render(request, "alerts.html", user, hooks=hooks, deliveries=log)


@router.post("/admin/users")
def create_user(request: Request, username: str = Form(max_length=150), role: str = Form(max_length=16),
                password: str = Form(max_length=1024), user: User = Depends(require("admin"))) -> Response:
    with state(request).db.write() as conn:
        try:
            auth.create_user(conn, username, role, password, actor(request, user))
        except auth.AuthError as e:
            raise service.Invalid(str(e)) from e
    return redirect("/admin/users")


@router.get("/audit")
def audit_page(request: Request, user: User = Depends(require("lead")), after: int = 0) -> Response:
    st = state(request)
    entries = list(audit.iter_entries(st.db.engine, after_seq=max(after, 0), limit=200))
    return render(request, "audit.html", user, entries=entries, verify=audit.verify(st.db.engine)
                  if after == 0 else None)


@router.get("/audit/export.jsonl")
def audit_export(request: Request, user: User = Depends(require("lead"))) -> StreamingResponse:
    from lurewatch.server.api.admin import audit_export as api_export

    return api_export(request, user)
