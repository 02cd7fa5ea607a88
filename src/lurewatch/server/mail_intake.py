"""Forwarded e-mail intake: one message from the intake mailbox -> a report and its cases, a quarantine
entry, or a recorded refusal; and the verdict reply to send back to the staff member who forwarded it.

Exactly once: every message is recorded in `mail_intake`, keyed by (mailbox, UIDVALIDITY, UID); for a
scored message the record is written in the same transaction as the report and its cases (the
submissions' `in_tx` hook), so a crash either loses both (the message is read again) or keeps both (the
poller finds the record and only moves the message). The verdict reply is an outbox row sent after the
commit (at least once: a crash between the SMTP answer and marking it sent sends it again).

Attribution: the forwarder's From address must be a verified address of an active account
(`mail_addresses`: added by an admin, who vouches for it). Anything else - unknown senders, disabled
accounts, forwarders over the hourly limit, and, when LUREWATCH_MAIL_REQUIRE_AUTH names the receiving
server's authserv-id, messages without `dmarc=pass` in its Authentication-Results - is quarantined (the
raw message kept, 0600) for an analyst to release to an account or discard; never dropped, never answered.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import make_msgid, parseaddr
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from lurewatch.db.mail_tables import mail_addresses, mail_intake
from lurewatch.ingest.forward import Forward, parse_forward
from lurewatch.model import Approach
from lurewatch.server import audit, auth, submissions
from lurewatch.server.config import ServerConfig
from lurewatch.server.deps import State
from lurewatch.server.service import Invalid, NotFound
from lurewatch.server.tables import users

LEVEL_LABEL = {"high": "HIGH RISK", "medium": "SUSPICIOUS", "low": "LOW RISK"}
_MSGID = re.compile(r"[!-;=?-~]{1,300}")  # printable ASCII without < > (RFC 5322 msg-id)
_ADDRESS = re.compile(r"^[^@\s<>\"]{1,64}@[^@\s<>\"]{1,255}$")


def _env_secret(name: str) -> str:
    """NAME, else the content of the file NAME_FILE (for container secrets)."""
    if os.environ.get(name):
        return os.environ[name]
    path = os.environ.get(name + "_FILE")
    return Path(path).read_text(encoding="utf-8").strip() if path else ""


@dataclass(slots=True)
class MailConfig:
    imap_host: str = ""
    imap_port: int = 993
    imap_user: str = ""
    imap_password: str = field(default="", repr=False)
    folder: str = "INBOX"
    done_folder: str = "lurewatch-done"
    poll_seconds: float = 60.0
    ca_file: str | None = None  # a private CA for the IMAP and SMTP servers' certificates
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_tls: str = "starttls"  # starttls | ssl | none (only for a local relay)
    smtp_from: str = ""
    public_url: str = ""  # links in the verdict mail, e.g. https://lurewatch.corp.example
    max_per_hour: int = 20  # forwards per forwarder per hour; more are quarantined
    require_auth: str = ""  # an authserv-id: its Authentication-Results must say dmarc=pass
    max_per_poll: int = 50
    lease_seconds: float = 120.0  # one poller at a time; renewed before each message

    @property
    def enabled(self) -> bool:
        return bool(self.imap_host and self.imap_user)

    @property
    def own_domain(self) -> str:
        return (parseaddr(self.smtp_from)[1] or self.imap_user).rpartition("@")[2].lower() or "lurewatch.invalid"

    @property
    def own_addresses(self) -> frozenset[str]:
        return frozenset(a.lower() for a in (parseaddr(self.smtp_from)[1], self.imap_user) if "@" in a)

    @classmethod
    def from_env(cls) -> MailConfig:
        env = os.environ
        c = cls(imap_host=env.get("LUREWATCH_IMAP_HOST", ""), imap_user=env.get("LUREWATCH_IMAP_USER", ""),
                imap_password=_env_secret("LUREWATCH_IMAP_PASSWORD"),
                folder=env.get("LUREWATCH_IMAP_FOLDER") or "INBOX",
                done_folder=env.get("LUREWATCH_IMAP_DONE_FOLDER") or "lurewatch-done",
                ca_file=env.get("LUREWATCH_MAIL_CA_FILE") or None,
                smtp_host=env.get("LUREWATCH_SMTP_HOST", ""), smtp_user=env.get("LUREWATCH_SMTP_USER", ""),
                smtp_password=_env_secret("LUREWATCH_SMTP_PASSWORD"),
                smtp_tls=(env.get("LUREWATCH_SMTP_TLS") or "starttls").lower(),
                smtp_from=env.get("LUREWATCH_SMTP_FROM") or env.get("LUREWATCH_IMAP_USER", ""),
                public_url=(env.get("LUREWATCH_PUBLIC_URL") or "").rstrip("/"),
                require_auth=env.get("LUREWATCH_MAIL_REQUIRE_AUTH", ""))
        c.imap_port = int(env.get("LUREWATCH_IMAP_PORT") or 993)
        c.smtp_port = int(env.get("LUREWATCH_SMTP_PORT") or (465 if c.smtp_tls == "ssl" else 587))
        c.poll_seconds = float(env.get("LUREWATCH_IMAP_POLL_SECONDS") or 60)
        c.max_per_hour = int(env.get("LUREWATCH_MAIL_MAX_PER_HOUR") or 20)
        c.lease_seconds = float(env.get("LUREWATCH_IMAP_LEASE_SECONDS") or 120)
        if c.smtp_tls not in ("starttls", "ssl", "none"):
            raise ValueError("LUREWATCH_SMTP_TLS must be starttls, ssl or none")
        return c


def crash_point(where: str) -> None:
    """Crash tests only: LUREWATCH_TEST_MAIL_CRASH=<where> kills the process there, as a kill -9 would."""
    if os.environ.get("LUREWATCH_TEST_MAIL_CRASH") == where:
        os._exit(137)


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def headless_state(cfg: ServerConfig) -> State:
    """The server's state without the web app (`lurewatch mail poll`): the database and the settings."""
    from lurewatch.server.database import Database

    return State(cfg, Database(cfg.db_url), auth.Sessions(secrets.token_urlsafe(32), 60), None, None)  # type: ignore[arg-type]


# --- verified addresses ----------------------------------------------------------------------------

def norm_address(address: str) -> str:
    a = address.strip().strip("<>").lower()
    if not _ADDRESS.match(a):
        raise Invalid("not an e-mail address")
    return a


def add_address(conn: Connection, user_id: int, address: str, act: audit.Actor) -> int:
    """An admin vouches that `address` is the account's own (forwards from it are attributed to it)."""
    a = norm_address(address)
    if conn.execute(select(users.c.id).where(users.c.id == user_id)).first() is None:
        raise NotFound("user not found")
    owner = conn.execute(select(mail_addresses.c.user_id).where(mail_addresses.c.address == a)).scalar()
    if owner is not None:
        raise Invalid("this address belongs to an account already" + ("" if owner != user_id else " (this one)"))
    aid = conn.execute(insert(mail_addresses).values(user_id=user_id, address=a, via="admin", created_at=_now())
                       .returning(mail_addresses.c.id)).scalar_one()
    audit.record(conn, act, "mail_address.add", "user", user_id, after={"address": a})
    return int(aid)


def learn_from_sign_on(conn: Connection, user_id: int, issuer: str, claims: dict[str, Any], act: audit.Actor) -> bool:
    """At a single sign-on: the identity provider's verified e-mail becomes the account's verified address,
    only for an issuer whose e-mails the admin trusts (LUREWATCH_OIDC_EMAIL_LINK_ISSUERS, as for account
    linking: some providers let users set their e-mail claim) and never taken from another account."""
    from lurewatch.server import identities

    v = claims.get("email_verified")
    if identities.norm_issuer(issuer) not in identities.email_link_issuers() or not (
            v is True or (isinstance(v, str) and v.lower() == "true")):
        return False
    try:
        a = norm_address(str(claims.get("email") or ""))
    except Invalid:
        return False
    if conn.execute(select(mail_addresses.c.id).where(mail_addresses.c.address == a)).first() is not None:
        return False
    conn.execute(insert(mail_addresses).values(user_id=user_id, address=a, via="oidc", created_at=_now()))
    audit.record(conn, act, "mail_address.add", "user", user_id, after={"address": a, "via": "oidc"})
    return True


def remove_address(conn: Connection, address_id: int, act: audit.Actor) -> None:
    r = conn.execute(select(mail_addresses).where(mail_addresses.c.id == address_id)).mappings().first()
    if r is None:
        raise NotFound("address not found")
    conn.execute(delete(mail_addresses).where(mail_addresses.c.id == address_id))
    audit.record(conn, act, "mail_address.remove", "user", r["user_id"], before={"address": r["address"]})


def list_addresses(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(select(mail_addresses.c.id, mail_addresses.c.user_id, users.c.username,
                               mail_addresses.c.address, mail_addresses.c.via, mail_addresses.c.created_at)
                        .join(users, users.c.id == mail_addresses.c.user_id).order_by(mail_addresses.c.address))
    return [dict(r) for r in rows.mappings()]


def _account(conn: Connection, address: str) -> tuple[auth.User | None, str]:
    uid = conn.execute(select(mail_addresses.c.user_id).where(mail_addresses.c.address == address)).scalar()
    if uid is None:
        return None, "the sender is not a verified address of any account"
    user = auth.load_user(conn, int(uid))
    return (user, "") if user is not None else (None, "the sender's account is disabled")


# --- one message -----------------------------------------------------------------------------------

@dataclass(slots=True)
class Key:
    mailbox: str
    uidvalidity: int
    uid: int


def recorded(conn: Connection, key: Key) -> dict[str, Any] | None:
    r = conn.execute(select(mail_intake).where(mail_intake.c.mailbox == key.mailbox,
                                               mail_intake.c.uidvalidity == key.uidvalidity,
                                               mail_intake.c.uid == key.uid)).mappings().first()
    return dict(r) if r else None


def _base(key: Key, fwd: Forward) -> dict[str, Any]:
    return {"mailbox": key.mailbox[:255], "uidvalidity": key.uidvalidity, "uid": key.uid,
            "message_id": fwd.message_id, "forwarder": fwd.forwarder, "subject": fwd.subject.replace("\x00", ""),
            "reason": "", "case_ids": [], "reply_status": "none", "reply_attempts": 0, "received_at": _now()}


def record_outcome(st: State, row: dict[str, Any]) -> int | None:
    """Record an outcome without a case; None if another poller recorded this message first."""
    try:
        with st.db.write() as conn:
            rid = conn.execute(insert(mail_intake).values(**row).returning(mail_intake.c.id)).scalar_one()
            audit.record(conn, audit.Actor(None, "mail-intake", f"mail:{row['uid']}"), f"mail.{row['status']}",
                         "mail_intake", rid, after={"forwarder": row["forwarder"], "reason": row["reason"][:300]})
            return int(rid)
    except IntegrityError:
        return None


def _keep_raw(st: State, raw: bytes) -> str:
    """The quarantined message, kept 0600 under the data directory until an analyst decides."""
    d = st.cfg.data_dir / "mail-quarantine"
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = secrets.token_hex(16)
    fd = os.open(d / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(raw)
    return name


def _raw_path(st: State, name: str) -> Path:
    return st.cfg.data_dir / "mail-quarantine" / name


def _quarantine_reason(conn: Connection, mc: MailConfig, fwd: Forward) -> tuple[auth.User | None, str]:
    if not fwd.forwarder:
        return None, "no sender address"
    if mc.require_auth and not _authenticated(fwd.auth_results, mc.require_auth):
        return None, f"not authenticated by {mc.require_auth} (no dmarc=pass)"
    user, why = _account(conn, fwd.forwarder)
    if user is None:
        return None, why
    since = _now() - timedelta(hours=1)
    n = conn.execute(select(func.count()).select_from(mail_intake).where(
        mail_intake.c.forwarder == fwd.forwarder, mail_intake.c.received_at >= since)).scalar_one()
    if n >= mc.max_per_hour:
        return None, f"over {mc.max_per_hour} forwards in an hour from this address"
    return user, ""


def _authenticated(results: list[str], authserv_id: str) -> bool:
    """The top-most Authentication-Results (added by the receiving server) says dmarc=pass."""
    if not results:
        return False
    head, _, rest = results[0].partition(";")
    ident = (head.split() or [""])[0]  # RFC 8601: "authserv-id [version]; results"
    return ident.lower() == authserv_id.lower() and re.search(r"\bdmarc=pass\b", rest, re.IGNORECASE) is not None


def process(st: State, mc: MailConfig, key: Key, raw: bytes) -> dict[str, Any]:
    """Take one message in (idempotent: a recorded message is returned as it was recorded)."""
    with st.db.read() as conn:
        done = recorded(conn, key)
    if done is not None:
        return done
    fwd = parse_forward(raw, mc.own_domain, mc.own_addresses)
    row = _base(key, fwd)
    if fwd.loop:
        return _finish(st, key, {**row, "status": "ignored", "reason": fwd.loop})
    with st.db.read() as conn:
        user, why = _quarantine_reason(conn, mc, fwd)
        if user is not None and fwd.message_id:
            dup = conn.execute(select(mail_intake.c.id).where(
                mail_intake.c.forwarder == fwd.forwarder, mail_intake.c.message_id == fwd.message_id,
                mail_intake.c.status.in_(("scored", "released")))).first()
            if dup is not None:
                return _finish(st, key, {**row, "status": "duplicate", "reason": f"same Message-ID as #{dup.id}"})
    if user is None:
        return _finish(st, key, {**row, "status": "quarantined", "reason": why, "raw_name": _keep_raw(st, raw)})
    return _score(st, mc, key, fwd, row, user)


def _finish(st: State, key: Key, row: dict[str, Any]) -> dict[str, Any]:
    if record_outcome(st, row) is None and row.get("raw_name"):
        _raw_path(st, row["raw_name"]).unlink(missing_ok=True)
    with st.db.read() as conn:
        return recorded(conn, key) or row


class _Upload:
    """The original, handed to submit_files as an uploaded .eml."""

    def __init__(self, data: bytes) -> None:
        self.filename = "forwarded.eml"
        self.file = io.BytesIO(data)


def _score(st: State, mc: MailConfig, key: Key, fwd: Forward, row: dict[str, Any], user: auth.User,
           status: str = "scored", decided_by: auth.User | None = None) -> dict[str, Any]:
    act = audit.Actor(user.id, user.username, f"mail:{key.uid}")
    comment = f"Forwarded by e-mail ({fwd.subject[:200]})" + (f": {fwd.note}" if fwd.note else "")

    def in_tx(conn: Connection, rep: dict[str, Any], found: list[Approach], case_ids: list[int]) -> None:
        crash_point("in-transaction")
        values = {**row, "status": status, "user_id": user.id, "report_id": rep["id"], "case_ids": case_ids,
                  "reply": verdict_mail(mc, fwd, rep["id"], found) if status == "scored" else None,
                  "reply_status": "pending" if status == "scored" else "none"}  # a release answers nobody
        if status == "released":
            _decide(conn, row["id"], decided_by, "mail.release", {"user_id": user.id, "report_id": rep["id"]},
                    status="released", user_id=user.id, report_id=rep["id"], case_ids=case_ids)
        else:
            conn.execute(insert(mail_intake).values(**values))

    try:
        if fwd.original is None:
            raise Invalid("no forwarded message found: forward the e-mail as an attachment, or inline")
        if fwd.inmail is not None:
            name, text, url = fwd.inmail
            submissions.submit_text(st, user, act, text, sender_name=name, profile_url=url, comment=comment,
                                    in_tx=in_tx)
        else:
            submissions.submit_files(st, user, act, eml=_Upload(fwd.original), comment=comment, in_tx=in_tx)
    except IntegrityError:
        pass  # another poller recorded it first (its transaction won): nothing of ours was kept
    except Invalid as e:
        reason = str(e)[:1000]
        reply = refusal_mail(mc, fwd, reason)
        values = {**row, "status": "refused", "reason": reason, "user_id": user.id, "reply": reply,
                  "reply_status": "pending"}
        if status == "released":
            with st.db.write() as conn:
                _decide(conn, row["id"], decided_by, "mail.release", {"user_id": user.id, "refused": reason},
                        status="refused", reason=reason, user_id=user.id)
        else:
            record_outcome(st, values)
    with st.db.read() as conn:
        return recorded(conn, key) or row


# --- the analyst's decisions on the quarantine -----------------------------------------------------

def quarantine_row(conn: Connection, intake_id: int) -> dict[str, Any]:
    r = conn.execute(select(mail_intake).where(mail_intake.c.id == intake_id)).mappings().first()
    if r is None:
        raise NotFound("message not found")
    if r["status"] != "quarantined":
        raise Invalid(f"this message is {r['status']}, not in quarantine")
    return dict(r)


def release(st: State, mc: MailConfig, intake_id: int, user_id: int, by: auth.User | None) -> dict[str, Any]:
    """Score a quarantined message as reported by account `user_id` (the analyst `by` vouches for it;
    None: an operator at the command line)."""
    with st.db.read() as conn:
        row = quarantine_row(conn, intake_id)
        user = auth.load_user(conn, user_id)
    if user is None:
        raise Invalid("no active account with this id")
    path = _raw_path(st, row["raw_name"]) if row["raw_name"] else None
    raw = path.read_bytes() if path is not None and path.is_file() else b""  # gone: refused, "nothing inside"
    fwd = parse_forward(raw, mc.own_domain, mc.own_addresses)
    out = _score(st, mc, Key(row["mailbox"], row["uidvalidity"], row["uid"]), fwd, row, user, "released", by)
    if path is not None:
        path.unlink(missing_ok=True)
    return out


def _decide(conn: Connection, intake_id: int, by: auth.User | None, action: str, after: dict[str, Any],
            **values: Any) -> None:
    """Take a quarantined message out of the quarantine, once: in the transaction of what is decided, so a
    second analyst (or a crash) never decides it twice nor loses it."""
    n = conn.execute(update(mail_intake).where(mail_intake.c.id == intake_id, mail_intake.c.status == "quarantined")
                     .values(**values, raw_name=None, decided_by=by.id if by else None, decided_at=_now())).rowcount
    if n != 1:
        raise Invalid("this message was decided already")
    audit.record(conn, audit.Actor(by.id if by else None, by.username if by else "cli", "" if by else "cli"), action,
                 "mail_intake", intake_id, after=after)


def discard(st: State, intake_id: int, by: auth.User | None) -> None:
    with st.db.write() as conn:
        row = quarantine_row(conn, intake_id)
        _decide(conn, intake_id, by, "mail.discard", {"forwarder": row["forwarder"], "subject": row["subject"][:300]},
                status="discarded")
    if row["raw_name"]:
        _raw_path(st, row["raw_name"]).unlink(missing_ok=True)


def listing(conn: Connection, status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    q = select(mail_intake.c.id, mail_intake.c.forwarder, mail_intake.c.subject, mail_intake.c.status,
               mail_intake.c.reason, mail_intake.c.user_id, mail_intake.c.report_id, mail_intake.c.case_ids,
               mail_intake.c.reply_status, mail_intake.c.reply_error, mail_intake.c.received_at,
               mail_intake.c.decided_at)
    if status:
        q = q.where(mail_intake.c.status == status)
    rows = conn.execute(q.order_by(mail_intake.c.id.desc()).limit(limit)).mappings().all()
    return [{k: (_aware(v).isoformat() if isinstance(v, datetime) else v) for k, v in r.items()} for r in rows]


# --- the verdict mail ------------------------------------------------------------------------------

def _plain(text: str, n: int) -> str:
    """One line of text: no control or format characters (line breaks, bidi overrides that disguise text)."""
    return "".join(" " if unicodedata.category(c) in ("Cc", "Cf") else c for c in text[:n]).strip()


def _reply_headers(mc: MailConfig, fwd: Forward, tag: str) -> dict[str, Any]:
    subject = _plain(fwd.subject, 200)
    mid = fwd.message_id or ""
    return {"to": fwd.forwarder, "subject": f"lurewatch verdict: {subject}" if subject else "lurewatch verdict",
            "in_reply_to": f"<{mid}>" if _MSGID.fullmatch(mid) else "",
            "message_id": make_msgid(f"lw-verdict.{tag}", domain=mc.own_domain)}


def verdict_mail(mc: MailConfig, fwd: Forward, report_id: int, found: list[Approach]) -> dict[str, Any]:
    """The reply: level, score, the red flags' titles and the advice. No content of the forwarded
    message is repeated (it may carry links); everything here comes from lurewatch's own rules."""
    lines = ["lurewatch has read the message you forwarded.", ""]
    for a in sorted(found, key=lambda x: -x.score)[:5]:
        # the level and score only: the sender's name is theirs to choose (it may carry a link or a lure)
        lines.append(f"{LEVEL_LABEL.get(a.level, a.level)} (score {int(a.score)}/100)")
        for f in a.findings[:8]:
            lines.append(f"  - {_plain(f.title, 200)}")
        if a.advice:
            lines += ["", "What to do:"] + [f"  - {_plain(x, 500)}" for x in a.advice[:8]]
        lines.append("")
    if mc.public_url:
        lines.append(f"Your report: {mc.public_url}/reports/{report_id}")
    lines += ["", "This is an automatic answer: replies to it are not read."]
    return {**_reply_headers(mc, fwd, secrets.token_hex(6)), "text": "\n".join(lines)}


def refusal_mail(mc: MailConfig, fwd: Forward, reason: str) -> dict[str, Any]:
    text = (f"lurewatch could not read the message you forwarded: {_plain(reason, 500)}.\n\n"
            "Forward the suspicious e-mail as an attachment (or inline, with its From and Subject lines), "
            "or report it in lurewatch's web page.\n\nThis is an automatic answer: replies to it are not read.")
    return {**_reply_headers(mc, fwd, secrets.token_hex(6)), "text": text}

