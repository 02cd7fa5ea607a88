"""Accounts, API keys, exports and the audit log (admin and lead)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import Field
from sqlalchemy import select, update

from lurewatch.server import audit, auth, identities, service
from lurewatch.server.api.common import ERRORS, Id, RequestBody
from lurewatch.server.auth import User
from lurewatch.server.deps import Forbidden, actor, current_user, require, state
from lurewatch.server.roles import RANK
from lurewatch.server.tables import api_keys, approaches, case_approaches, cases, users

router = APIRouter(tags=["admin"], responses=ERRORS)
Role = Literal["reporter", "analyst", "lead", "admin"]


class UserIn(RequestBody):
    username: str = Field(min_length=1, max_length=150)
    role: Role
    password: str = Field(min_length=auth.MIN_PASSWORD, max_length=1024)


class UserPatch(RequestBody):
    role: Role | None = None
    active: bool | None = None
    password: str | None = Field(None, min_length=auth.MIN_PASSWORD, max_length=1024)


class IdentityIn(RequestBody):
    issuer: str | None = Field(None, max_length=255, description="default: the configured OIDC issuer")
    sub: str = Field(min_length=1, max_length=255, description="the identity provider's subject (sub)")


class KeyIn(RequestBody):
    name: str = Field(min_length=1, max_length=150)
    role: Role | None = None
    days: int | None = Field(None, ge=1, le=3650, description="expiry in days (none: never)")


@router.get("/me", summary="Who am I")
def me(user: User = Depends(current_user)) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "role": user.role, "via": user.via}


@router.get("/users", summary="Accounts (admin)")
def list_users(request: Request, user: User = Depends(require("admin"))) -> list[dict[str, Any]]:
    with state(request).db.read() as conn:
        rows = conn.execute(select(users.c.id, users.c.username, users.c.role, users.c.active,
                                   users.c.created_at).order_by(users.c.id)).mappings().all()
    return [{**dict(r), "created_at": service._iso(r["created_at"])} for r in rows]


@router.post("/users", status_code=201, summary="Create an account (admin)")
def create_user(body: UserIn, request: Request, user: User = Depends(require("admin"))) -> dict[str, Any]:
    with state(request).db.write() as conn:
        try:
            uid = auth.create_user(conn, body.username, body.role, body.password, actor(request, user))
        except auth.AuthError as e:
            raise service.Invalid(str(e)) from e
    return {"id": uid, "username": body.username, "role": body.role}


@router.patch("/users/{user_id}", summary="Change an account's role, state or password (admin)")
def patch_user(user_id: Id, body: UserPatch, request: Request,
               user: User = Depends(require("admin"))) -> dict[str, Any]:
    with state(request).db.write() as conn:
        r = conn.execute(select(users.c.role, users.c.active).where(users.c.id == user_id)).first()
        if r is None:
            raise service.NotFound("user not found")
        if user_id == user.id and (body.role not in (None, "admin") or body.active is False):
            raise service.Invalid("you cannot demote or disable yourself")
        before = {"role": r.role, "active": r.active}
        after = {k: v for k, v in (("role", body.role), ("active", body.active)) if v is not None}
        values: dict[str, Any] = dict(after)
        if body.password:
            values["password_hash"] = auth.hash_password(body.password)
            after["password"] = "changed"
        if values:
            conn.execute(update(users).where(users.c.id == user_id).values(**values))
            if body.password or any(after.get(k) != before[k] for k in ("role", "active") if k in after):
                auth.end_sessions(conn, user_id)  # a reset, a new role or a disabled account: log out everywhere
            audit.record(conn, actor(request, user), "user.update", "user", user_id,
                         before={k: before.get(k) for k in after}, after=after)
    return {"id": user_id, **after}


def _issuer(request: Request, issuer: str | None) -> str:
    issuer = issuer or state(request).cfg.oidc_issuer
    if not issuer:
        raise service.Invalid("give the issuer (single sign-on is not configured)")
    return issuer


@router.get("/users/{user_id}/identities", summary="An account's single sign-on identities (admin)")
def list_identities(user_id: Id, request: Request, user: User = Depends(require("admin"))) -> list[dict[str, Any]]:
    with state(request).db.read() as conn:
        rows = identities.linked(conn, user_id)
    return [{**r, "created_at": service._iso(r["created_at"])} for r in rows]


@router.post("/users/{user_id}/identities", status_code=201,
             summary="Link a single sign-on identity (issuer, sub) to an account (admin)")
def link_identity(user_id: Id, body: IdentityIn, request: Request,
                  user: User = Depends(require("admin"))) -> dict[str, Any]:
    issuer = _issuer(request, body.issuer)
    with state(request).db.write() as conn:
        if conn.execute(select(users.c.id).where(users.c.id == user_id)).first() is None:
            raise service.NotFound("user not found")
        try:
            identities.link(conn, user_id, issuer, body.sub, "admin", actor(request, user))
        except auth.AuthError as e:
            raise service.Invalid(str(e)) from e
    return {"user_id": user_id, "issuer": identities.norm_issuer(issuer), "sub": body.sub}


@router.delete("/users/{user_id}/identities", summary="Unlink a single sign-on identity (admin)")
def unlink_identity(user_id: Id, request: Request, sub: str = Query(min_length=1, max_length=255),
                    issuer: str | None = Query(None, max_length=255),
                    user: User = Depends(require("admin"))) -> dict[str, Any]:
    with state(request).db.write() as conn:
        try:
            done = identities.unlink(conn, user_id, _issuer(request, issuer), sub, actor(request, user))
        except auth.AuthError as e:
            raise service.Invalid(str(e)) from e
    return {"user_id": user_id, "unlinked": done}


@router.get("/api-keys", summary="Your API keys (admins: everyone's)")
def list_keys(request: Request, user: User = Depends(current_user)) -> list[dict[str, Any]]:
    stmt = select(api_keys.c.id, api_keys.c.user_id, api_keys.c.name, api_keys.c.prefix, api_keys.c.role,
                  api_keys.c.expires_at, api_keys.c.revoked_at, api_keys.c.created_at).order_by(api_keys.c.id)
    if not user.can("admin"):
        stmt = stmt.where(api_keys.c.user_id == user.id)
    with state(request).db.read() as conn:
        rows = conn.execute(stmt).mappings().all()
    return [{k: (service._iso(v) if k.endswith("_at") else v) for k, v in r.items()} for r in rows]


@router.post("/api-keys", status_code=201, summary="Create an API key (shown once)")
def create_key(body: KeyIn, request: Request, user: User = Depends(current_user)) -> dict[str, Any]:
    with state(request).db.write() as conn:
        try:
            kid, key = auth.create_api_key(conn, user, body.name, body.role, body.days, actor(request, user))
        except auth.AuthError as e:
            raise service.Invalid(str(e)) from e
    return {"id": kid, "key": key, "role": body.role or user.role}


@router.post("/api-keys/{key_id}/revoke", summary="Revoke an API key")
def revoke_key(key_id: Id, request: Request, user: User = Depends(current_user)) -> dict[str, Any]:
    with state(request).db.write() as conn:
        check_revocable(conn, user, key_id, others=user.can("admin"))
        auth.revoke_api_key(conn, key_id, actor(request, user))
    return {"id": key_id, "revoked": True}


def check_revocable(conn: Any, user: User, key_id: int, others: bool) -> None:
    """Own keys (admins: `others` too), and never a key above the caller's effective role: a down-scoped
    key cannot revoke its owner's stronger keys."""
    r = conn.execute(select(api_keys.c.user_id, api_keys.c.role).where(api_keys.c.id == key_id)).first()
    if r is None or (r.user_id != user.id and not others):
        raise service.NotFound("API key not found")
    if RANK.get(r.role, 99) > RANK[user.role]:
        raise Forbidden(f"this key's role ({user.role}) cannot revoke a {r.role} key")


def _jsonl(rows: Iterator[dict[str, Any]]) -> Iterator[bytes]:
    for r in rows:
        yield (json.dumps(r, ensure_ascii=False, default=str) + "\n").encode()


@router.get("/audit/export", summary="The whole audit log as JSON Lines (lead)", response_class=StreamingResponse,
            responses={200: {"content": {"application/x-ndjson": {}}}})
def audit_export(request: Request, user: User = Depends(require("lead"))) -> StreamingResponse:
    st = state(request)
    with st.db.write() as conn:
        audit.record(conn, actor(request, user), "audit.export", "audit", "all")
    return StreamingResponse(_jsonl(audit.iter_entries(st.db.engine)), media_type="application/x-ndjson",
                             headers={"content-disposition": 'attachment; filename="audit.jsonl"'})


@router.get("/audit/verify", summary="Check the audit chain (lead)")
def audit_verify(request: Request, user: User = Depends(require("lead"))) -> dict[str, Any]:
    r = audit.verify(state(request).db.engine)
    return {"ok": r.ok, "entries": r.entries, "problems": r.problems[:100]}


@router.get("/exports/cases", summary="Cases with their approaches as JSON Lines (lead; no reporter identity)",
            response_class=StreamingResponse, responses={200: {"content": {"application/x-ndjson": {}}}})
def export_cases(request: Request, status: Literal["new", "in_progress", "closed"] | None = None,
                 user: User = Depends(require("lead"))) -> StreamingResponse:
    st = state(request)
    with st.db.write() as conn:
        audit.record(conn, actor(request, user), "cases.export", "case", "all", after={"status": status})

    def rows() -> Iterator[dict[str, Any]]:
        stmt = (select(cases.c.id, cases.c.status, cases.c.resolution, cases.c.severity, cases.c.tlp, cases.c.pap,
                       cases.c.score, cases.c.level, cases.c.campaign, approaches.c.data)
                .join(case_approaches, case_approaches.c.case_id == cases.c.id)
                .join(approaches, approaches.c.approach_id == case_approaches.c.approach_id)
                .order_by(cases.c.id))
        if status:
            stmt = stmt.where(cases.c.status == status)
        with st.db.engine.connect() as conn:
            for r in conn.execute(stmt.execution_options(yield_per=500)).mappings():
                d = dict(r)
                d["approach"] = service._data(d.pop("data"))
                yield d

    return StreamingResponse(_jsonl(rows()), media_type="application/x-ndjson",
                             headers={"content-disposition": 'attachment; filename="cases.jsonl"'})
