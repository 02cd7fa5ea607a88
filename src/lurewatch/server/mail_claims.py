"""Self-service intake addresses: a user adds an address of theirs by entering the code mailed to it.

The code (8 characters, 40 bits) is kept hashed, lives 30 minutes and allows 5 attempts; a user may ask
for at most 5 codes an hour (the server mails addresses the user typed: bounded so that it cannot be
used to send mail at will). An address verified for another account is refused, never taken over.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from lurewatch.db.mail_tables import mail_address_claims, mail_addresses
from lurewatch.server import audit
from lurewatch.server.auth import User
from lurewatch.server.deps import State
from lurewatch.server.mail_intake import MailConfig, norm_address
from lurewatch.server.service import Invalid, NotFound

CODE_MINUTES = 30
MAX_ATTEMPTS = 5
MAX_CODES_PER_HOUR = 5


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def request_code(st: State, mc: MailConfig, user: User, address: str, act: audit.Actor) -> None:
    """Mail a code to `address`; the claim is recorded only once the relay took the mail."""
    from lurewatch.server.mail_poller import compose, smtp

    a = norm_address(address)
    if not mc.smtp_host:
        raise Invalid("the server cannot send mail (LUREWATCH_SMTP_HOST is not set): ask an admin to add the address")
    with st.db.read() as conn:
        if conn.execute(select(mail_addresses.c.id).where(mail_addresses.c.address == a)).first() is not None:
            raise Invalid("this address is registered already")
        recent = conn.execute(select(func.count()).select_from(mail_address_claims).where(
            mail_address_claims.c.user_id == user.id,
            mail_address_claims.c.created_at >= _now() - timedelta(hours=1))).scalar_one()
    if recent >= MAX_CODES_PER_HOUR:
        raise Invalid(f"at most {MAX_CODES_PER_HOUR} codes an hour; try again later")
    code = base64.b32encode(secrets.token_bytes(5)).decode()
    text = (f"Your lurewatch code is {code}\n\nEnter it within {CODE_MINUTES} minutes on lurewatch's Mail "
            "addresses page to file the e-mails you forward from this address as your reports. If you did "
            "not ask for it, ignore this message.\n\nThis is an automatic message: replies are not read.")
    from email.utils import make_msgid

    msg = compose(mc, {"to": a, "subject": "Your lurewatch code", "text": text, "in_reply_to": "",
                       "message_id": make_msgid("lw-code", domain=mc.own_domain)})
    with smtp(mc) as s:
        s.send_message(msg)
    with st.db.write() as conn:
        conn.execute(delete(mail_address_claims).where(mail_address_claims.c.user_id == user.id,
                                                       mail_address_claims.c.address == a))
        conn.execute(insert(mail_address_claims).values(
            user_id=user.id, address=a, code_hash=_hash(code), attempts=0, created_at=_now(),
            expires_at=_now() + timedelta(minutes=CODE_MINUTES)))
        audit.record(conn, act, "mail_address.code_sent", "user", user.id, after={"address": a})


def confirm(st: State, user: User, address: str, code: str, act: audit.Actor) -> int:
    """Verify `address` for `user` with the mailed code; returns the address's id."""
    a = norm_address(address)
    with st.db.write() as conn:
        claim = conn.execute(select(mail_address_claims).where(
            mail_address_claims.c.user_id == user.id, mail_address_claims.c.address == a)
            .order_by(mail_address_claims.c.id.desc())).mappings().first()
        if claim is None or _aware(claim["expires_at"]) < _now() or claim["attempts"] >= MAX_ATTEMPTS:
            raise Invalid("no valid code for this address: ask for a new one")
        if not hmac.compare_digest(claim["code_hash"], _hash(code[:64])):
            conn.execute(update(mail_address_claims).where(mail_address_claims.c.id == claim["id"])
                         .values(attempts=mail_address_claims.c.attempts + 1))
            left = MAX_ATTEMPTS - claim["attempts"] - 1
            audit.record(conn, act, "mail_address.codewrong", "user", user.id, after={"address": a})
            wrong = Invalid(f"wrong code ({left} attempt{'s' if left != 1 else ''} left)")
        else:
            wrong = None
            if conn.execute(select(mail_addresses.c.id).where(mail_addresses.c.address == a)).first() is not None:
                raise Invalid("this address is registered already")
            aid = conn.execute(insert(mail_addresses).values(user_id=user.id, address=a, via="code", created_at=_now())
                               .returning(mail_addresses.c.id)).scalar_one()
            conn.execute(delete(mail_address_claims).where(mail_address_claims.c.id == claim["id"]))
            audit.record(conn, act, "mail_address.add", "user", user.id, after={"address": a, "via": "code"})
    if wrong is not None:
        raise wrong  # after the commit, so that the attempt counts
    return int(aid)


def mine(conn: Connection, user: User) -> dict[str, Any]:
    verified = conn.execute(select(mail_addresses.c.id, mail_addresses.c.address, mail_addresses.c.via,
                                   mail_addresses.c.created_at).where(mail_addresses.c.user_id == user.id)
                            .order_by(mail_addresses.c.address)).mappings().all()
    pending = conn.execute(select(mail_address_claims.c.address, mail_address_claims.c.expires_at).where(
        mail_address_claims.c.user_id == user.id, mail_address_claims.c.expires_at >= _now())
        .order_by(mail_address_claims.c.address)).mappings().all()
    return {"verified": [_iso(r) for r in verified], "pending": [_iso(r) for r in pending]}


def _iso(r: Any) -> dict[str, Any]:
    return {k: (_aware(v).isoformat() if isinstance(v, datetime) else v) for k, v in dict(r).items()}


def remove_mine(conn: Connection, user: User, address_id: int, act: audit.Actor) -> None:
    r = conn.execute(select(mail_addresses.c.address).where(mail_addresses.c.id == address_id,
                                                            mail_addresses.c.user_id == user.id)).first()
    if r is None:
        raise NotFound("address not found")
    conn.execute(delete(mail_addresses).where(mail_addresses.c.id == address_id))
    audit.record(conn, act, "mail_address.remove", "user", user.id, before={"address": r.address})
