"""The intake mailbox's poller (IMAPS) and the verdict replies' sender (SMTP); stdlib imaplib and smtplib.

One step: log in, make sure the done folder exists, select the intake folder, and for each message (by
UID, oldest first, at most `max_per_poll`): unless already recorded, fetch it (never over the e-mail
reader's size bound; BODY.PEEK, so nothing is marked read) and take it in (mail_intake.process), then
move it to the done folder (MOVE, else COPY + \\Deleted + expunge). A message recorded before a crash is
only moved. Then the pending verdict replies are sent.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import os
import re
import secrets
import smtplib
import socket
import ssl
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from lurewatch.db.mail_tables import mail_intake
from lurewatch.ingest.email import MAX_MESSAGE_BYTES
from lurewatch.ingest.forward import MARKER_HEADER
from lurewatch.server.background import Loop
from lurewatch.server.deps import State
from lurewatch.server.mail_intake import Key, MailConfig, crash_point, process, record_outcome, recorded
from lurewatch.server.tables import settings

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 30
MAX_REPLY_ATTEMPTS = 5
LEASE_KEY = "mail_poll_lease"
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


class MailError(Exception):
    pass


def _tls(mc: MailConfig) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=mc.ca_file)  # certificate and host name checked


def _mailbox(name: str) -> str:
    """A folder name as an IMAP quoted string (ASCII only: no modified UTF-7 here)."""
    if not name or not name.isascii() or not name.isprintable() or len(name) > 200:
        raise MailError(f"unusable folder name {name!r}: printable ASCII only")
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ok(resp: tuple[str, Any], what: str) -> Any:
    typ, data = resp
    if typ != "OK":
        raise MailError(f"IMAP {what}: {typ} {data!r:.200}")
    return data


def connect(mc: MailConfig) -> imaplib.IMAP4_SSL:
    imap = imaplib.IMAP4_SSL(mc.imap_host, mc.imap_port, ssl_context=_tls(mc), timeout=TIMEOUT_SECONDS)
    try:
        _ok(imap.login(mc.imap_user, mc.imap_password), "LOGIN")
    except BaseException:
        imap.shutdown()
        raise
    return imap


def _move(imap: imaplib.IMAP4_SSL, uid: int, done: str) -> None:
    if "MOVE" in imap.capabilities:
        _ok(imap.uid("MOVE", str(uid), done), "MOVE")
        return
    _ok(imap.uid("COPY", str(uid), done), "COPY")
    _ok(imap.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Deleted)"), "STORE")
    if "UIDPLUS" in imap.capabilities:
        _ok(imap.uid("EXPUNGE", str(uid)), "UID EXPUNGE")
    else:
        _ok(imap.expunge(), "EXPUNGE")


def _size(imap: imaplib.IMAP4_SSL, uid: int) -> int:
    data = _ok(imap.uid("FETCH", str(uid), "(RFC822.SIZE)"), "FETCH SIZE")
    for item in data:
        m = _SIZE.search(item if isinstance(item, bytes) else item[0] if isinstance(item, tuple) else b"")
        if m:
            return int(m.group(1))
    raise MailError(f"no size for UID {uid}")


def _fetch(imap: imaplib.IMAP4_SSL, uid: int) -> bytes:
    data = _ok(imap.uid("FETCH", str(uid), "(BODY.PEEK[])"), "FETCH")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    raise MailError(f"no body for UID {uid}")


def _holder_alive(holder: str) -> bool:
    """False when the lease's holder is a process of this host that is gone (killed, restarted)."""
    host, _, rest = holder.partition("|")
    pid = rest.partition("|")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another host's: trust its expiry
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:
        pass
    return True


def _lease(st: State, owner: str, seconds: float, renew: bool = False) -> bool:
    """Take (or renew) the one poller's lease, a compare-and-set on a `settings` row: several server
    workers or hosts never poll at once (two IMAP sessions moving one message would file it twice in the
    done folder). An expired lease, or one held by a dead process of this host, is taken over."""
    now = time.time()
    try:
        with st.db.write() as conn:
            cur = conn.execute(select(settings.c.value).where(settings.c.key == LEASE_KEY)).scalar()
            value = f"{owner} {now + seconds:.3f}"
            if cur is None:
                conn.execute(insert(settings).values(key=LEASE_KEY, value=value))
                return True
            holder, _, until = cur.rpartition(" ")
            free = holder == owner or (not renew and (_float(until) < now or not _holder_alive(holder)))
            if not free:
                return False
            return conn.execute(update(settings).where(settings.c.key == LEASE_KEY, settings.c.value == cur)
                                .values(value=value)).rowcount == 1
    except IntegrityError:
        return False  # another poller inserted it first


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def _unlease(st: State, owner: str) -> None:
    with st.db.write() as conn:
        conn.execute(update(settings).where(settings.c.key == LEASE_KEY, settings.c.value.like(f"{owner} %"))
                     .values(value=f"{owner} 0"))


def poll_once(st: State, mc: MailConfig) -> int:
    """Take in what waits in the intake folder; returns how many messages were handled (0 as well when
    another poller holds the lease)."""
    owner = f"{socket.gethostname()}|{os.getpid()}|{secrets.token_hex(4)}"
    if not _lease(st, owner, mc.lease_seconds):
        return 0
    try:
        return _poll(st, mc, owner)
    finally:
        _unlease(st, owner)


def _poll(st: State, mc: MailConfig, owner: str) -> int:
    imap = connect(mc)
    try:
        folder, done = _mailbox(mc.folder), _mailbox(mc.done_folder)
        imap.create(done)  # NO when it exists already
        _ok(imap.select(folder), "SELECT")
        _, validity = imap.response("UIDVALIDITY")
        if not validity or not validity[0]:
            raise MailError("the server sent no UIDVALIDITY")
        uidvalidity = int(validity[0])
        found = _ok(imap.uid("SEARCH", None, "UNDELETED"), "SEARCH")
        uids = sorted(int(x) for x in (found[0] or b"").split())[:mc.max_per_poll]
        recovered = []
        for uid in uids:
            key = Key(mc.folder, uidvalidity, uid)
            with st.db.read() as conn:
                if recorded(conn, key) is not None:
                    recovered.append(uid)  # taken in by a poll that died before or during its move
                    continue
            if not _lease(st, owner, mc.lease_seconds, renew=True):
                raise MailError("the poller's lease was taken over (a message took longer than the lease)")
            if not _take_in(st, mc, imap, key):
                continue  # left in the folder: tried again next poll
            try:
                _move(imap, uid, done)
            except MailError as e:  # moved next poll
                log.warning("mail intake: UID %s not moved: %s", uid, e)
        if recovered:
            _settle(imap, recovered, folder, done)
        return len(uids)
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            imap.logout()


_MESSAGE_ID = re.compile(rb"<([!-;=?-~]{1,300})>")


def _settle(imap: imaplib.IMAP4_SSL, uids: list[int], folder: str, done: str) -> None:
    """Move messages an earlier poll took in but did not move. A kill during MOVE can leave the copy made
    and the original not expunged (seen with Dovecot): a message whose copy (same Message-ID and size) is
    in the done folder already is only expunged, so the done folder never holds it twice."""
    seen: dict[int, tuple[int, str]] = {}
    for uid in uids:
        data = _ok(imap.uid("FETCH", str(uid), "(RFC822.SIZE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"), "FETCH")
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                size, mid = _SIZE.search(item[0]), _MESSAGE_ID.search(item[1] or b"")
                if size and mid:
                    seen[uid] = (int(size.group(1)), mid.group(1).decode("ascii"))
    copied = set()
    if seen:
        _ok(imap.select(done, readonly=True), "EXAMINE")
        for uid, (size, mid) in seen.items():
            quoted = '"' + mid.replace("\\", "\\\\").replace('"', '\\"') + '"'
            found = _ok(imap.uid("SEARCH", None, "HEADER", "Message-ID", quoted, "LARGER", str(size - 1),
                                 "SMALLER", str(size + 1)), "SEARCH")
            if found and found[0] and found[0].split():
                copied.add(uid)
        _ok(imap.select(folder), "SELECT")
    for uid in uids:
        try:
            if uid in copied:
                _ok(imap.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Deleted)"), "STORE")
                _ok(imap.uid("EXPUNGE", str(uid)) if "UIDPLUS" in imap.capabilities else imap.expunge(), "EXPUNGE")
            else:
                _move(imap, uid, done)
        except MailError as e:  # settled next poll
            log.warning("mail intake: UID %s not moved: %s", uid, e)


def _take_in(st: State, mc: MailConfig, imap: imaplib.IMAP4_SSL, key: Key) -> bool:
    """Fetch and take in one message; False if it failed (a database or parser failure is logged, and the
    message stays where it is: one bad message does not hold up the others)."""
    uid = key.uid
    try:
        size = _size(imap, uid)
        if size > MAX_MESSAGE_BYTES:  # moved to the done folder as it is, never fetched
            record_outcome(st, {"mailbox": key.mailbox, "uidvalidity": key.uidvalidity, "uid": uid, "forwarder": "",
                                "subject": "", "status": "refused", "case_ids": [], "reply_status": "none",
                                "reply_attempts": 0, "received_at": datetime.now(UTC),
                                "reason": f"{size} bytes, over the {MAX_MESSAGE_BYTES} limit"})
        else:
            process(st, mc, key, _fetch(imap, uid))
    except (imaplib.IMAP4.abort, OSError):
        raise  # the connection is gone: the whole poll stops
    except Exception:  # noqa: BLE001 - logged; the message is tried again next poll
        log.exception("mail intake: UID %s of %s could not be taken in", uid, key.mailbox)
        return False
    crash_point("before-move")
    return True


def smtp(mc: MailConfig) -> smtplib.SMTP:
    if mc.smtp_tls == "ssl":
        s: smtplib.SMTP = smtplib.SMTP_SSL(mc.smtp_host, mc.smtp_port, timeout=TIMEOUT_SECONDS, context=_tls(mc))
    else:
        s = smtplib.SMTP(mc.smtp_host, mc.smtp_port, timeout=TIMEOUT_SECONDS)
        if mc.smtp_tls == "starttls":
            s.starttls(context=_tls(mc))
    if mc.smtp_user:
        s.login(mc.smtp_user, mc.smtp_password)
    return s


def compose(mc: MailConfig, reply: dict[str, Any]) -> EmailMessage:
    msg = EmailMessage()  # policy.default: a header value with a line break raises, never injects
    msg["From"] = mc.smtp_from
    msg["To"] = reply["to"]
    msg["Subject"] = reply["subject"]
    msg["Message-ID"] = reply["message_id"]
    if reply.get("in_reply_to"):
        msg["In-Reply-To"] = msg["References"] = reply["in_reply_to"]
    msg["Auto-Submitted"] = "auto-replied"  # RFC 3834: no auto-reply to this
    msg["X-Auto-Response-Suppress"] = "All"
    msg[MARKER_HEADER] = "verdict"
    msg.set_content(reply["text"])
    return msg


def send_replies(st: State, mc: MailConfig, limit: int = 200) -> int:
    """Send pending verdict replies; returns how many were attempted."""
    if not mc.smtp_host:
        return 0
    with st.db.read() as conn:
        rows = conn.execute(select(mail_intake.c.id, mail_intake.c.reply, mail_intake.c.reply_attempts)
                            .where(mail_intake.c.reply_status == "pending").order_by(mail_intake.c.id)
                            .limit(limit)).mappings().all()
    if not rows:
        return 0
    with smtp(mc) as relay:
        for r in rows:
            values: dict[str, Any] = {"reply_attempts": r["reply_attempts"] + 1}
            try:
                relay.send_message(compose(mc, r["reply"]))
                values.update(reply_status="sent", reply_error=None)
            except (smtplib.SMTPException, ValueError) as e:
                values["reply_error"] = f"{type(e).__name__}: {str(e)[:300]}"
                if values["reply_attempts"] >= MAX_REPLY_ATTEMPTS:
                    values["reply_status"] = "failed"
            with st.db.write() as conn:
                conn.execute(update(mail_intake).where(mail_intake.c.id == r["id"]).values(**values))
    return len(rows)


class Poller(Loop):
    """Polls the intake mailbox every `poll_seconds` and sends the verdicts (started with the job worker)."""

    name = "lurewatch-mail"

    def __init__(self, st: State, mc: MailConfig) -> None:
        super().__init__(mc.poll_seconds)
        self.st, self.mc = st, mc

    def step(self) -> bool:
        n = poll_once(self.st, self.mc)
        send_replies(self.st, self.mc)
        return n >= self.mc.max_per_poll  # a full batch: there may be more right away
