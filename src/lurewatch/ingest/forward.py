"""A forwarded e-mail -> who forwarded it, and the original message inside it.

Staff forward a suspicious e-mail (or LinkedIn's InMail notification) to an intake mailbox. The original
is taken from, in order: an attached `message/rfc822` part (or an attached `.eml`), else an inline
forward in the body (Gmail "---------- Forwarded message ---------", Apple Mail "Begin forwarded
message:", Thunderbird "-------- Forwarded Message --------", Outlook "-----Original Message-----" or
a "From: ... Sent: ..." block, and a few other languages' forms). An inline forward is rebuilt into a
plain RFC 822 message, so that the e-mail reader (ingest/email.py) reads both kinds the same way.

Every bound of the e-mail reader holds: the whole forward is at most MAX_MESSAGE_BYTES, with at most
MAX_BOUNDARY_LINES MIME boundary lines and MAX_PARTS parts looked at; the original is then read by
`load_mail_bytes` with the same bounds again. Parsing is the stdlib's (email, compat32), from bytes.

Loop guards (`Forward.loop`): an Auto-Submitted message, a bounce, an auto-reply, our own verdict mail
(its marker header, or forwarded back to us), or a reply to one of our verdicts is never scored nor
answered. Whether the From address is genuine (DKIM/DMARC) is the receiving mail server's job; a
caller may require its Authentication-Results (`Forward.auth_results`, top-most first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message as MimeMessage
from email.parser import BytesParser
from email.utils import format_datetime, parsedate_to_datetime

from lurewatch.ingest.email import (
    MAX_BOUNDARY_LINES,
    MAX_MESSAGE_BYTES,
    MAX_PARTS,
    MAX_TEXT_CHARS,
    PARSE_POLICY,
    _addresses,
    _body,
    _decode_bytes,
    _header_text,
    _linkedin_url,
    _msgid,
    html_to_text,
    is_eml,
)
from lurewatch.ingest.safety import looks_binary

MARKER_HEADER = "X-Lurewatch"  # on every verdict mail the server sends
MAX_NOTE_CHARS = 5_000
_FWD_LINE = re.compile(
    r"^[ \t>]*(?:-{2,}\s*(?:forwarded message|original message|weitergeleitete nachricht|message transf[ée]r[ée]|"
    r"mensaje reenviado|doorgestuurd bericht|messaggio inoltrato|ursprüngliche nachricht|message d'origine)\s*-{2,}"
    r"|begin forwarded message:|anfang der weitergeleiteten nachricht:|d[ée]but du message r[ée]exp[ée]di[ée]\s*:"
    r"|_{20,})[ \t]*$", re.IGNORECASE | re.MULTILINE)
_KEYS = {
    "from": "from", "von": "from", "de": "from", "van": "from", "da": "from",
    "date": "date", "sent": "date", "gesendet": "date", "datum": "date", "envoyé": "date", "fecha": "date",
    "enviado": "date", "data": "date", "verzonden": "date",
    "subject": "subject", "betreff": "subject", "objet": "subject", "asunto": "subject", "onderwerp": "subject",
    "oggetto": "subject",
    "to": "to", "an": "to", "à": "to", "para": "to", "aan": "to", "a": "to",
    "cc": "cc", "reply-to": "reply-to", "antwort an": "reply-to", "répondre à": "reply-to",
}
_HEADER = re.compile(r"^[ \t>]*\*?([A-Za-zÀ-ÿ][A-Za-zÀ-ÿ -]{0,14}?)\*?\s*:\*?[ \t]*(.*)$")
_OUTLOOK = re.compile(r"^[ \t>]*\*?(?:From|Von|De)\*?:\*?[^\n]*\n(?:[^\n]*\n){0,2}?[ \t>]*\*?(?:Sent|Gesendet|Envoyé|"
                      r"Date)\*?:", re.IGNORECASE | re.MULTILINE)
_MAILTO = re.compile(r"\[mailto:([^\]\s]+)\]|<mailto:([^>\s]+)>", re.IGNORECASE)
_DATE_FORMATS = ("%a, %b %d, %Y %I:%M %p", "%A, %B %d, %Y %I:%M %p", "%A, %B %d, %Y %H:%M", "%d %B %Y %H:%M:%S %Z",
                 "%d %B %Y %H:%M:%S", "%B %d, %Y %I:%M:%S %p %Z", "%a, %d %b %Y %H:%M", "%Y-%m-%d %H:%M")
_LINKEDIN_DOMAINS = ("linkedin.com", "e.linkedin.com", "bounce.linkedin.com")
_INMAIL_END = re.compile(
    r"^\s*(?:reply|view message|view profile|accept|not interested|unsubscribe|help:|this email was intended for|"
    r"you are receiving|learn why we included this|© ?\d{4} linkedin|linkedin corporation|----)\b",
    re.IGNORECASE | re.MULTILINE)
_VIA_LINKEDIN = re.compile(r"\s*(?:via linkedin|\(via linkedin\)|- linkedin|on linkedin)\s*$", re.IGNORECASE)
_AUTO_PRECEDENCE = frozenset({"bulk", "junk", "auto_reply", "auto-reply"})


@dataclass(slots=True)
class Forward:
    forwarder: str = ""  # the From address, lower case ("" when there is none)
    forwarder_name: str = ""
    message_id: str | None = None
    subject: str = ""
    note: str = ""  # what the forwarder wrote above the forwarded message
    original: bytes | None = None  # the original as an RFC 822 message
    how: str = "none"  # attached | inline | none
    inmail: tuple[str, str, str | None] | None = None  # LinkedIn InMail: (sender name, text, profile URL)
    loop: str = ""  # why this is an automatic message that must not be answered ("" if it is not)
    problem: str = ""  # why it could not be read ("" if it could)
    auth_results: list[str] = field(default_factory=list)


def parse_forward(data: bytes, own_domain: str = "", own_addresses: frozenset[str] = frozenset()) -> Forward:
    """Read one forwarded e-mail; never raises. `own_domain` is the domain of our verdicts' Message-IDs,
    `own_addresses` the addresses the verdicts are sent from (a verdict forwarded back is a loop)."""
    fwd = Forward()
    if len(data) > MAX_MESSAGE_BYTES:
        fwd.problem = f"the e-mail is {len(data)} bytes, over the {MAX_MESSAGE_BYTES} limit"
        return fwd
    if data.count(b"\n--") > MAX_BOUNDARY_LINES:
        fwd.problem = f"over {MAX_BOUNDARY_LINES} MIME boundary lines (a parser bomb?)"
        return fwd
    if looks_binary(data[:8192]):
        fwd.problem = "binary data, not an e-mail"
        return fwd
    try:
        msg = BytesParser(policy=PARSE_POLICY).parsebytes(data)
        _read(msg, fwd, own_domain, own_addresses)
    except Exception as e:  # any parser failure on hostile input is reported, never raised
        fwd.problem = f"malformed e-mail: {str(e)[:200]}"
    return fwd


def _headers(msg: MimeMessage, name: str) -> list[str]:
    return [str(v) for k, v in msg.raw_items() if k.strip().lower() == name][:20]


def _first(msg: MimeMessage, name: str) -> str:
    values = _headers(msg, name)
    return values[0] if values else ""


def _read(msg: MimeMessage, fwd: Forward, own_domain: str, own: frozenset[str]) -> None:
    senders = _addresses(_first(msg, "from"))
    if senders:
        fwd.forwarder_name, fwd.forwarder = senders[0][0][:200], senders[0][1][:320]
    fwd.message_id = _msgid(_first(msg, "message-id"))
    fwd.subject = _header_text(_first(msg, "subject"))[:1000]
    fwd.auth_results = [_header_text(v)[:2000] for v in _headers(msg, "authentication-results")[:5]]
    fwd.loop = _automatic(msg, own_domain, own)
    if fwd.loop:
        return
    inner = _attached(msg)
    text = _own_text(msg)
    if inner is not None:
        fwd.original, fwd.how = inner, "attached"
        fwd.note = text.strip()[:MAX_NOTE_CHARS]
    else:
        split = split_inline(text)
        if split is not None:
            fwd.note, fwd.original = split[0][:MAX_NOTE_CHARS], split[1]
            fwd.how = "inline"
    if fwd.original is None:
        return
    orig = BytesParser(policy=PARSE_POLICY).parsebytes(fwd.original)
    if any(k.strip().lower() == MARKER_HEADER.lower() for k in orig.keys()[:200]):
        fwd.loop = "our own verdict, forwarded back"
        return
    senders = _addresses(_first(orig, "from"))
    addr = senders[0][1] if senders else ""
    if addr and addr in own:
        fwd.loop = "our own verdict, forwarded back"
        return
    if addr.rpartition("@")[2] in _LINKEDIN_DOMAINS:
        fwd.inmail = _inmail(orig, senders[0][0])


def _automatic(msg: MimeMessage, own_domain: str, own: frozenset[str]) -> str:
    """Why this message was sent by a machine and must not be answered (RFC 3834), else ""."""
    keys = {k.strip().lower() for k in msg.keys()[:500]}
    auto = _header_text(_first(msg, "auto-submitted")).lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto[:40]}"
    if MARKER_HEADER.lower() in keys:
        return "our own verdict mail"
    if _header_text(_first(msg, "precedence")).lower() in _AUTO_PRECEDENCE:
        return "bulk or auto-reply (Precedence)"
    if keys & {"x-autoreply", "x-autorespond", "x-auto-reply"}:
        return "an auto-reply"
    if msg.get_content_type() == "multipart/report" or _first(msg, "return-path").strip() == "<>":
        return "a delivery report (bounce)"
    senders = _addresses(_first(msg, "from"))
    if senders and (senders[0][1] in own or senders[0][1].split("@")[0] in ("mailer-daemon", "postmaster")):
        return "sent by a mail system"
    if own_domain:
        refs = _first(msg, "in-reply-to") + " " + _first(msg, "references")
        if f"@{own_domain.lower()}>" in refs.lower()[:20_000]:
            return "a reply to one of our verdicts"
    return ""


def _attached(msg: MimeMessage) -> bytes | None:
    """The first attached message: a message/rfc822 part, or an attached .eml file."""
    for n, part in enumerate(msg.walk()):
        if n >= MAX_PARTS:
            break
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, MimeMessage):
                return inner.as_bytes(policy=PARSE_POLICY)
        elif not part.is_multipart():
            try:
                name = (part.get_filename() or "").lower()
            except Exception:  # broken RFC 2231 parameters
                name = ""
            if name.endswith(".eml") or ctype == "application/eml":
                raw = part.get_payload(decode=True)
                if isinstance(raw, bytes) and is_eml(raw[:65536]):
                    return raw
    return None


def _own_parts(msg: MimeMessage) -> list[MimeMessage]:
    """The forward's own leaf parts: what an attached message holds is not the forwarder's text."""
    out: list[MimeMessage] = []
    stack = [msg]
    seen = 0
    while stack and seen < MAX_PARTS:
        part = stack.pop(0)
        seen += 1
        if part.get_content_type() == "message/rfc822":
            continue
        if part.is_multipart():
            payload = part.get_payload()
            stack = [p for p in payload if isinstance(p, MimeMessage)] + stack if isinstance(payload, list) else stack
        else:
            out.append(part)
    return out


def _own_text(msg: MimeMessage) -> str:
    """The forward's text (text/plain, else text/html as text), as the e-mail reader decodes it."""
    plain, html = [], []
    for part in _own_parts(msg):
        if part.get_content_disposition() == "attachment" or part.get_content_type() not in ("text/plain", "text/html"):
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        try:
            charset = part.get_content_charset()
        except Exception:  # a broken charset parameter
            charset = None
        text = _decode_bytes(payload[:MAX_TEXT_CHARS * 4], charset)
        (plain if part.get_content_type() == "text/plain" else html).append(text)
    text = "\n\n".join(plain) if plain else "\n\n".join(html_to_text(t) for t in html)
    return text.replace("\r\n", "\n").replace("\r", "\n")[:MAX_TEXT_CHARS]


def split_inline(text: str) -> tuple[str, bytes] | None:
    """(the forwarder's note, the original rebuilt as an RFC 822 message) of an inline forward, or None."""
    text = text[:MAX_MESSAGE_BYTES]
    starts = [(m.end(), m.start()) for m in _FWD_LINE.finditer(text)][:5]  # (headers start, note end)
    starts += [(m.start(), m.start()) for m in _OUTLOOK.finditer(text)][:5]
    for start, note_end in sorted(starts):
        lines = text[start:].lstrip("\r\n").split("\n")
        headers, i = _header_block(lines)
        if "from" in headers:
            return text[:note_end].strip(), _rebuild(headers, _unquote(lines[i:]))
    return None


def _header_block(lines: list[str]) -> tuple[dict[str, str], int]:
    headers: dict[str, str] = {}
    last = ""
    for i, line in enumerate(lines[:40]):
        if not line.strip(" \t>*\r"):
            return headers, i + 1 if headers else 0
        m = _HEADER.match(line)
        key = _KEYS.get(m.group(1).strip().lower()) if m else None
        if key and key not in headers:
            headers[key], last = m.group(2).strip(" *\r"), key  # type: ignore[union-attr]
        elif last and len(headers[last]) < 4000:
            headers[last] += " " + line.strip(" \t>*\r")  # a wrapped header line
        else:
            return {}, 0
    return headers, min(len(lines), 40)


def _unquote(lines: list[str]) -> str:
    """The forwarded body; one level of "> " quoting is removed when every line carries it."""
    body = [ln.rstrip("\r") for ln in lines]
    filled = [ln for ln in body if ln.strip()]
    if filled and all(ln.lstrip().startswith(">") for ln in filled):
        body = [re.sub(r"^\s*> ?", "", ln) for ln in body]
    return "\n".join(body).strip()


def _clean_header(value: str) -> str:
    value = _MAILTO.sub(lambda m: f"<{m.group(1) or m.group(2)}>", value)  # Outlook's "Name [mailto:a@b]"
    return re.sub(r"[\x00-\x1f\x7f]", " ", value)[:2000].strip()


def _date(value: str) -> str:
    value = re.sub(r"\s+", " ", value).strip()
    try:
        return format_datetime(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    plain = value.replace(" at ", " ").replace("\u202f", " ")
    for fmt in _DATE_FORMATS:
        try:
            return format_datetime(datetime.strptime(plain, fmt))
        except ValueError:
            continue
    return ""


def _rebuild(headers: dict[str, str], body: str) -> bytes:
    out = [f"From: {_clean_header(headers['from'])}"]
    for key, name in (("to", "To"), ("cc", "Cc"), ("reply-to", "Reply-To"), ("subject", "Subject")):
        if headers.get(key):
            out.append(f"{name}: {_clean_header(headers[key])}")
    date = _date(headers.get("date", ""))
    if date:
        out.append(f"Date: {date}")
    out += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"]
    return ("\r\n".join(out) + "\r\n\r\n" + body.replace("\r\n", "\n").replace("\n", "\r\n") + "\r\n").encode(
        "utf-8", "surrogatepass")


def _inmail(orig: MimeMessage, display: str) -> tuple[str, str, str | None] | None:
    """(sender name, message text, profile URL) of a LinkedIn InMail or message notification."""
    name = _VIA_LINKEDIN.sub("", display).strip()
    if not name or name.lower() in ("linkedin", "linkedin messaging", "linkedin notifications"):
        return None
    text, _ = _body(orig)
    m = _INMAIL_END.search(text)
    body = (text[:m.start()] if m else text).strip()
    lines = body.split("\n")
    if lines and lines[0].strip().lower().startswith(name.lower()[:60]):
        lines = lines[1:]  # the name (and headline) above the message
    body = "\n".join(lines).strip()
    return (name, body, _linkedin_url(text)) if body else None
