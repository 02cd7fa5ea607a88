"""Accounts, passwords (Argon2 via pwdlib), API keys (stored hashed) and signed session cookies."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from pwdlib import PasswordHash
from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine

from lurewatch.server import audit
from lurewatch.server.login_guard import HashGate
from lurewatch.server.roles import RANK, ROLES
from lurewatch.server.tables import api_keys, settings, users

_hasher = PasswordHash.recommended()  # Argon2id
_DUMMY_HASH = _hasher.hash("lurewatch-timing-equaliser")
KEY_PREFIX = "lw_"
SESSION_COOKIE = "lw_session"
MIN_PASSWORD = 10


@dataclass(slots=True)
class User:
    id: int
    username: str
    role: str  # effective role (an API key's scope can lower it)
    via: str = "session"  # session | api_key
    csrf: str = ""

    def can(self, needed: str) -> bool:
        return RANK[self.role] >= RANK[needed]


class AuthError(Exception):
    pass


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"password too short (at least {MIN_PASSWORD} characters)")
    if len(password) > 1024:
        raise AuthError("password too long")


def create_user(conn: Connection, username: str, role: str, password: str | None, actor: audit.Actor
                ) -> int:
    username = username.strip()
    if not username or len(username) > 150 or not all(c.isprintable() and not c.isspace() for c in username):
        raise AuthError("username must be 1-150 characters without spaces")
    if role not in ROLES:
        raise AuthError(f"unknown role {role!r} (one of {', '.join(ROLES)})")
    if password is not None:
        check_password_policy(password)
    if conn.execute(select(users.c.id).where(_named(username))).first():
        raise AuthError(f"user {username!r} exists already")
    uid = conn.execute(
        insert(users).values(username=username, role=role, active=True, created_at=datetime.now(UTC),
                             password_hash=hash_password(password) if password else None)
        .returning(users.c.id)
    ).scalar_one()
    audit.record(conn, actor, "user.create", "user", uid, after={"username": username, "role": role})
    return int(uid)


def _named(username: str) -> Any:
    """Case-insensitive name match; the exact name too, as SQLite's lower() folds ASCII letters only."""
    return or_(func.lower(users.c.username) == username.lower(), users.c.username == username)


def count_users(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(users)).scalar_one())


def authenticate(engine: Engine, username: str, password: str, gate: HashGate | None = None) -> User | None:
    """The account for a correct password, else None. Hashing runs inside `gate` (a bound on concurrent
    Argon2 work; raises login_guard.Busy when no slot frees up in time)."""
    username = username.replace("\x00", "").strip()
    if not username or len(username) > 150:  # no account can have such a name: nothing to look up or hash
        return None
    with engine.connect() as conn:
        r = conn.execute(
            select(users.c.id, users.c.username, users.c.role, users.c.password_hash, users.c.active)
            .where(_named(username))
        ).first()
    with gate.slot() if gate is not None else contextlib.nullcontext():
        if r is None or not r.password_hash or not r.active:
            _hasher.verify(password, _DUMMY_HASH)  # same cost whether or not the account exists
            return None
        if not _hasher.verify(password, r.password_hash):
            return None
    return User(r.id, r.username, r.role)


def load_user(conn: Connection, uid: int, session_version: int | None = None) -> User | None:
    """The active account `uid`; with `session_version`, only if it is still the account's current one."""
    r = conn.execute(select(users.c.id, users.c.username, users.c.role, users.c.active, users.c.session_version)
                     .where(users.c.id == uid)).first()
    if r is None or not r.active:
        return None
    if session_version is not None and session_version != r.session_version:
        return None
    return User(r.id, r.username, r.role)


def session_version(conn: Connection, uid: int) -> int:
    return int(conn.execute(select(users.c.session_version).where(users.c.id == uid)).scalar_one())


def end_sessions(conn: Connection, uid: int) -> None:
    """Invalidate every browser session of account `uid` (logout, password, role or state change)."""
    conn.execute(update(users).where(users.c.id == uid).values(session_version=users.c.session_version + 1))


# --- API keys: high-entropy random secrets, so a plain SHA-256 is the right (and fast) hash for them.

def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(conn: Connection, owner: User, name: str, role: str | None, days: int | None,
                   actor: audit.Actor) -> tuple[int, str]:
    role = role or owner.role
    if role not in ROLES or RANK[role] > RANK[owner.role]:
        raise AuthError("an API key's role cannot be above its owner's role")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(days=days) if days else None
    kid = conn.execute(
        insert(api_keys).values(user_id=owner.id, name=name.replace("\x00", "")[:150] or "key", prefix=key[:10],
                                key_hash=_key_hash(key), role=role, expires_at=expires,
                                created_at=datetime.now(UTC)).returning(api_keys.c.id)
    ).scalar_one()
    audit.record(conn, actor, "api_key.create", "api_key", kid,
                 after={"name": name, "role": role, "user_id": owner.id, "expires_at": expires})
    return int(kid), key


def user_for_api_key(conn: Connection, key: str) -> User | None:
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    r = conn.execute(
        select(api_keys.c.id, api_keys.c.role, api_keys.c.expires_at, api_keys.c.revoked_at,
               users.c.id.label("uid"), users.c.username, users.c.role.label("urole"), users.c.active)
        .join(users, users.c.id == api_keys.c.user_id)
        .where(api_keys.c.key_hash == _key_hash(key))
    ).first()
    if r is None or r.revoked_at is not None or not r.active:
        return None
    if r.expires_at is not None and _aware(r.expires_at) < datetime.now(UTC):
        return None
    role = r.role if RANK[r.role] <= RANK[r.urole] else r.urole  # a demoted owner demotes the key
    return User(r.uid, r.username, role, via="api_key")


def revoke_api_key(conn: Connection, key_id: int, actor: audit.Actor) -> None:
    conn.execute(update(api_keys).where(api_keys.c.id == key_id).values(revoked_at=datetime.now(UTC)))
    audit.record(conn, actor, "api_key.revoke", "api_key", key_id, before={"revoked": False},
                 after={"revoked": True})


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


# --- Sessions: a signed cookie holding the user id, the account's session version and a CSRF token.

def secret_key(engine: Engine, configured: str | None) -> str:
    if configured:
        return configured
    with engine.begin() as conn:
        r = conn.execute(select(settings.c.value).where(settings.c.key == "secret_key")).first()
        if r:
            return str(r[0])
        value = secrets.token_urlsafe(48)
        conn.execute(insert(settings).values(key="secret_key", value=value))
        return value


class Sessions:
    def __init__(self, secret: str, max_age_seconds: int) -> None:
        self.secret = secret
        self._s = URLSafeTimedSerializer(secret, salt="lurewatch-session")
        self.max_age = max_age_seconds

    def issue(self, uid: int, version: int) -> tuple[str, str]:
        csrf = secrets.token_urlsafe(32)
        return self._s.dumps({"uid": uid, "sv": version, "csrf": csrf}), csrf

    def read(self, cookie: str | None) -> dict[str, Any] | None:
        if not cookie or len(cookie) > 4096:
            return None
        try:
            data = self._s.loads(cookie, max_age=self.max_age)
        except BadSignature:
            return None
        ok = isinstance(data, dict) and isinstance(data.get("uid"), int) and isinstance(data.get("sv"), int)
        return data if ok else None
