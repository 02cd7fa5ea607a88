"""Single sign-on identities: which (issuer, sub) logs in as which account.

An identity logs in only as the account it is linked to. Links are made by an admin (`lurewatch admin
link-identity`, `POST /api/v1/users/{id}/identities`, or `create-user --oidc-sub` to pre-provision), by
a verified e-mail equal to an account's username when the admin trusts that issuer's e-mails
(LUREWATCH_OIDC_EMAIL_LINK_ISSUERS), or by auto-provisioning a new reporter
(LUREWATCH_OIDC_AUTO_CREATE=1) - never by a `preferred_username` or an unverified e-mail.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from lurewatch.server import audit, auth
from lurewatch.server.tables import user_identities, users

NO_LINK = ("No lurewatch account is linked to your sign-on identity. Ask an administrator to link it "
           "(lurewatch admin link-identity).")


@dataclass(slots=True)
class Outcome:
    uid: int | None
    error: str = ""


def norm_issuer(issuer: str) -> str:
    return issuer.strip().rstrip("/")[:255]


def _check(issuer: str, sub: str) -> tuple[str, str]:
    iss, sub = norm_issuer(issuer), sub.strip()
    if not iss or not sub or len(sub) > 255 or not sub.isprintable():
        raise auth.AuthError("an identity needs an issuer and a subject (sub) of at most 255 characters")
    return iss, sub


def link(conn: Connection, uid: int, issuer: str, sub: str, via: str, act: audit.Actor) -> None:
    """Link (issuer, sub) to account `uid`; refused if it is linked to another account."""
    iss, sub = _check(issuer, sub)
    if conn.execute(select(users.c.id).where(users.c.id == uid)).first() is None:
        raise auth.AuthError("no such account")
    owner = conn.execute(select(user_identities.c.user_id).where(user_identities.c.issuer == iss,
                                                                  user_identities.c.sub == sub)).scalar()
    if owner == uid:
        return
    if owner is not None:
        raise auth.AuthError("this identity is linked to another account; unlink it first")
    conn.execute(insert(user_identities).values(issuer=iss, sub=sub, user_id=uid, via=via,
                                                created_at=datetime.now(UTC)))
    audit.record(conn, act, "user.identity_link", "user", uid, after={"issuer": iss, "sub": sub, "via": via})


def unlink(conn: Connection, uid: int, issuer: str, sub: str, act: audit.Actor) -> bool:
    iss, sub = _check(issuer, sub)
    n = conn.execute(delete(user_identities).where(user_identities.c.user_id == uid,
                                                   user_identities.c.issuer == iss,
                                                   user_identities.c.sub == sub)).rowcount
    if n:
        audit.record(conn, act, "user.identity_unlink", "user", uid, before={"issuer": iss, "sub": sub})
    return bool(n)


def linked(conn: Connection, uid: int) -> list[dict[str, Any]]:
    rows = conn.execute(select(user_identities.c.issuer, user_identities.c.sub, user_identities.c.via,
                               user_identities.c.created_at).where(user_identities.c.user_id == uid)
                        .order_by(user_identities.c.id)).mappings().all()
    return [dict(r) for r in rows]


def email_link_issuers() -> set[str]:
    """Issuers whose verified e-mails may link to the account of that username (admin setting, none by
    default)."""
    raw = os.environ.get("LUREWATCH_OIDC_EMAIL_LINK_ISSUERS", "")
    return {norm_issuer(x) for x in raw.split(",") if x.strip()}


def _verified(claims: dict[str, Any]) -> bool:
    v = claims.get("email_verified")
    return v is True or (isinstance(v, str) and v.lower() == "true")


def _owner(conn: Connection, iss: str, sub: str) -> Any:
    return conn.execute(select(user_identities.c.id, users.c.id.label("uid"), users.c.active)
                        .join(users, users.c.id == user_identities.c.user_id)
                        .where(user_identities.c.issuer == iss, user_identities.c.sub == sub)).first()


def resolve(conn: Connection, issuer: str, claims: dict[str, Any], act: audit.Actor) -> Outcome:
    """The account for verified OIDC claims from `issuer`, or why there is none."""
    sub = str(claims.get("sub") or "")
    if not sub or len(sub) > 255:
        return Outcome(None, "Your identity provider sent no usable subject (sub).")
    iss = norm_issuer(issuer)
    r = _owner(conn, iss, sub)
    if r is None and (r := _owner(conn, "", sub)) is not None:  # linked before issuers were recorded
        conn.execute(update(user_identities).where(user_identities.c.id == r.id).values(issuer=iss))
        audit.record(conn, act, "user.identity_link", "user", r.uid,
                     before={"issuer": ""}, after={"issuer": iss, "sub": sub, "via": "legacy"})
    if r is not None:
        return Outcome(int(r.uid)) if r.active else Outcome(None, "Your lurewatch account is disabled.")
    email = str(claims.get("email") or "").strip()
    if email and _verified(claims) and iss in email_link_issuers():
        u = conn.execute(select(users.c.id, users.c.active)
                         .where(func.lower(users.c.username) == email.lower()[:150])).first()
        taken = u is not None and conn.execute(select(user_identities.c.id).where(
            user_identities.c.user_id == u.id, user_identities.c.issuer == iss)).first() is not None
        if u is not None and not taken:
            link(conn, u.id, iss, sub, "email", act)
            return Outcome(int(u.id)) if u.active else Outcome(None, "Your lurewatch account is disabled.")
    if os.environ.get("LUREWATCH_OIDC_AUTO_CREATE") == "1":
        return _provision(conn, iss, sub, str(claims.get("preferred_username") or email).strip(), act)
    return Outcome(None, NO_LINK)


def _provision(conn: Connection, iss: str, sub: str, name: str, act: audit.Actor) -> Outcome:
    """A new reporter account for this identity; an existing account is never claimed."""
    if not name:
        return Outcome(None, NO_LINK)
    if conn.execute(select(users.c.id).where(func.lower(users.c.username) == name.lower()[:150])).first():
        return Outcome(None, f"An account named {name[:150]!r} exists and is not linked to your sign-on "
                             "identity. Ask an administrator to link it.")
    try:
        uid = auth.create_user(conn, name, "reporter", None, act)
    except auth.AuthError:
        return Outcome(None, NO_LINK)
    link(conn, uid, iss, sub, "auto", act)
    return Outcome(uid)
