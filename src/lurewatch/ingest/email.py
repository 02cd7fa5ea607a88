"""E-mail (.eml, mbox, and the sender/receiver/date/subject/body CSV of phishing corpora) -> Approaches.

One Approach(source="email") per thread that has at least one inbound message. Threads are built
from Message-ID / In-Reply-To / References; messages without usable threading headers fall back to
(normalised subject, counterpart address). conversation_id is the thread's root Message-ID.

Where the e-mail facts go (model.py is unchanged):
- `Approach.profile = Profile(name=From display name, email=From address)`; `profile.url` and
  `Approach.sender_profile_url` are set only when an inbound body/signature carries a LinkedIn
  profile URL (normalised).
- Reply-To addresses that differ from the From address are recorded as `"mailto:<addr>"` entries in
  `Approach.profile.urls` (the classic reply pivot): indicators compare them with `profile.email`.
  The message text stays exactly as written.
- The owner address, when it can be inferred (Gmail "Sent" label, Delivered-To, the address that
  both sends and receives in most messages; see _infer_owner), is `Approach.owner =
  Profile(email=...)`; the owner's own messages are then `inbound=False`. Without it (one message,
  a Sent folder alone, two people writing as often to each other) every message is inbound.
  `owner_profile_url` stays None. A thread made only of the owner's messages is no approach.
- Message.text is the text/plain part, else text/html turned into text with html.parser (nothing
  rendered or fetched; script/style dropped; link targets that differ from the link text are kept
  as "text <url>"). Attachments are listed by file name only, never decoded.

Everything is read with safety.read_bounded and parsed from bytes (stdlib email parser); messages
over MAX_MESSAGE_BYTES, mailboxes over MAX_MAILBOX_MESSAGES and malformed messages are reported as
IngestProblems, never raised.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.header import decode_header
from email.message import Message as MimeMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path

from lurewatch.ingest.jobads import decode_bulk_text, iter_csv_dicts, repair_mojibake
from lurewatch.ingest.safety import MAX_FIELD_CHARS, UnsafeInput, decode_text, looks_binary, read_bounded
from lurewatch.model import Approach, IngestProblem, IngestResult, Message, Profile
from lurewatch.urls import normalise_profile_url

MAX_MAILBOX_MESSAGES = 1_000_000
MAX_MESSAGE_BYTES = 25 * 1024 * 1024
MAX_TEXT_CHARS = MAX_FIELD_CHARS
MAX_PARTS = 500  # MIME parts looked at per message
MAX_BOUNDARY_LINES = 20_000  # "--" lines per message: each may become a part object in the parser
MAX_REFERENCES = 100
MAX_HTML_CHARS = 2 * MAX_FIELD_CHARS  # HTML converted per part (the text is cut at MAX_TEXT_CHARS)
MAX_HEADER_CHARS = 16_384  # one text header (Subject, a display name) taken into account
MAX_ADDRESS_HEADER_CHARS = 64 * 1024  # one address header (a To: with thousands of recipients)
# Headers are decoded here (raw bytes, RFC 2047, addresses), never through the policy's header objects,
# so compat32 gives the same result as policy.default at a third of the cost (measured) and keeps
# email.headerregistry's parser out of reach of hostile headers.
PARSE_POLICY = policy.compat32

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Outlook .msg (compound file)
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")
_FROM_LINE = re.compile(rb"From [^\r\n]*\d")
_FROM_SHAPE = re.compile(rb"From \S+ +[A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} \d{1,2}:\d\d")
_KNOWN_HEADERS = frozenset({
    b"from", b"to", b"cc", b"subject", b"date", b"message-id", b"received", b"return-path",
    b"mime-version", b"delivered-to", b"reply-to", b"content-type", b"sender", b"x-mailer",
    b"dkim-signature", b"authentication-results", b"in-reply-to", b"references", b"x-gmail-labels",
})
_SENDERISH = frozenset({b"from", b"received", b"return-path", b"delivered-to", b"message-id", b"sender"})
_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|fwd?|aw|wg|sv|vs|tr|rv|antw)(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_LINKEDIN = re.compile(r"(?:https?://)?(?:[a-z]{2,3}\.|www\.)?linkedin\.com/(?:in|pub)/[^\s<>\"'()\[\]{},;]+",
                       re.IGNORECASE)
_OPEN_SECTION = re.compile(r"<!\[(?![^<>]{0,4096}\]>)")  # "<![CDATA[" with no "]>" before the next "<"
_LONE_LT = re.compile(r"<(?![^<>]{0,4096}>)")  # a "<" that closes no tag before the next "<"
_CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # in header text: terminal escapes, NULs (a tab stays)
_BODY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # keeps tabs and line breaks
_MSGID = re.compile(r"<([^<>\s]+)>")
_EPOCH = datetime.min.replace(tzinfo=UTC)
# Not RFC 5322 but found in e-mail CSV corpora (spreadsheet exports): read as UTC.
_OTHER_DATE_FORMATS = ("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S%z")


# ---------------------------------------------------------------- format recognition


def _header_names(head: bytes) -> list[bytes] | None:
    names: list[bytes] = []
    for line in head.splitlines():
        if not line.strip():
            break
        if line[:1] in (b" ", b"\t"):
            if not names:
                return None
            continue
        if not _HEADER_LINE.match(line):
            return names if names else None
        names.append(line.split(b":", 1)[0].strip().lower())
    return names


def is_mbox(head: bytes) -> bool:
    """A mailbox: a `From <sender> <date>` separator line followed by header lines."""
    head = head.removeprefix(b"\xef\xbb\xbf")
    if not _FROM_LINE.match(head):
        return False
    return b"\n" in head and is_eml(head.split(b"\n", 1)[1])


def is_eml(head: bytes) -> bool:
    """One RFC 5322 message: it opens with header lines, among them the usual sender/transport ones."""
    head = head.removeprefix(b"\xef\xbb\xbf")
    if head.startswith(b"From ") and b"\n" in head:
        head = head.split(b"\n", 1)[1]  # a saved message may keep its mbox separator line
    names = _header_names(head[:65536])
    if not names:
        return False
    known = set(names) & _KNOWN_HEADERS
    return len(known) >= 2 and bool(known & _SENDERISH)


# ---------------------------------------------------------------- decoding helpers


def _decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Text of a MIME part or raw header: declared charset, else UTF-8, else cp1252; never raises."""
    if charset:
        charset = charset.split("*", 1)[0].strip().strip('"').lower()  # RFC 2231 "utf-8*en"
        try:  # a non-text codec ("base64", "rot13") raises LookupError here
            return repair_mojibake(data.decode(charset, errors="replace"))
        except (LookupError, UnicodeError, ValueError, TypeError):
            pass
    try:
        return decode_bulk_text(data)
    except UnsafeInput:
        return data.decode("utf-8", errors="replace")


def _header_text(raw: str) -> str:
    """Unfolded, RFC 2047-decoded header value; raw 8-bit bytes and broken charsets are tolerated."""
    raw = raw[:MAX_HEADER_CHARS]  # decode_header is slow on megabytes of encoded words
    if any("\udc80" <= c <= "\udcff" for c in raw):
        raw = _decode_bytes(raw.encode("utf-8", "surrogateescape"))
    raw = re.sub(r"\r?\n[ \t]*", " ", raw).strip()
    if "=?" not in raw:
        return _CONTROLS.sub("", repair_mojibake(raw))
    try:
        parts = decode_header(raw)
    except Exception:  # malformed encoded words: keep the header as written
        return raw
    out = []
    for value, charset in parts:
        if isinstance(value, str):
            out.append(value)
        elif charset is None:
            out.append(value.decode("raw-unicode-escape", errors="replace"))
        else:
            out.append(_decode_bytes(value, charset))
    return _CONTROLS.sub("", "".join(out).replace("\r", " ").replace("\n", " ").replace("\t", " ")).strip()


def _addresses(raw: str) -> list[tuple[str, str]]:
    """(display name, lower-case address) pairs of an address header."""
    raw = raw[:MAX_ADDRESS_HEADER_CHARS]
    if any("\udc80" <= c <= "\udcff" for c in raw):
        raw = _decode_bytes(raw.encode("utf-8", "surrogateescape"))
    raw = re.sub(r"\r?\n[ \t]*", " ", raw)
    try:
        pairs = getaddresses([raw])
    except Exception:  # hostile address lists: treat as absent
        return []
    out = []
    for name, addr in pairs:
        addr = addr.strip().strip("<>")
        name = _header_text(name).strip().strip('"').strip()
        if "@" not in addr:  # "Update", "<Absa>": a bare word is a name, not an address
            name, addr = name or _header_text(addr)[:200], ""
        if addr or name:
            out.append((name, addr.lower()))
    return out


def _msgid(raw: str) -> str | None:
    m = _MSGID.search(raw)
    value = m.group(1) if m else raw.strip().split()[0] if raw.strip() else ""
    return value[:500] or None


def _date(raw: str) -> datetime | None:
    text = _header_text(raw)
    try:
        dt = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        dt = None
    for fmt in _OTHER_DATE_FORMATS if dt is None else ():
        try:
            dt = datetime.strptime(text, fmt)
            break
        except ValueError:
            continue
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)  # "-0000": UTC with no source zone
    try:
        return dt.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


class _HTMLText(HTMLParser):
    """Visible text of an HTML body; nothing is rendered, loaded or executed."""

    _SKIP = frozenset({"script", "style", "head", "title", "template", "noscript", "svg", "object"})
    _BLOCK = frozenset({"p", "br", "div", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5",
                        "h6", "blockquote", "pre", "hr", "section", "article", "header", "footer"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.href: str | None = None
        self.link_start = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skip += 1
        elif tag in self._BLOCK:
            self.out.append("\n")
        elif tag == "a":
            href = (dict(attrs).get("href") or "").strip()
            self.href = href if href.lower().startswith(("http://", "https://", "mailto:")) else None
            self.link_start = len(self.out)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in self._BLOCK:
            self.out.append("\n")
        elif tag == "a" and self.href:
            shown = "".join(self.out[self.link_start:])
            if self.href.removeprefix("mailto:") not in shown:
                self.out.append(f" <{self.href}>")
            self.href = None

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(data)

    def text(self) -> str:
        text = "".join(self.out).replace("\xa0", " ")
        lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    """Visible text of untrusted HTML (tags stripped with html.parser, script/style dropped)."""
    # html.parser rescans to the end of the input for every "<" or "<![" it cannot close (quadratic:
    # 80 s for 1 MB of "</"), so those become text first and the input is bounded.
    html = _LONE_LT.sub("&lt;", _OPEN_SECTION.sub("&lt;![", html[:MAX_HTML_CHARS]))
    parser = _HTMLText()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser on hostile markup: fall back to crude stripping
        return re.sub(r"<[^>]*>", " ", html)
    return parser.text()


# ---------------------------------------------------------------- one message


@dataclass(slots=True)
class _Mail:
    index: int
    line: int | None
    from_name: str
    from_addr: str
    to: list[str]
    reply_to: list[str]
    delivered_to: list[str]
    labels: list[str]
    message_id: str | None
    in_reply_to: str | None
    references: list[str]
    sent_at: datetime | None
    subject: str
    text: str
    attachments: list[str] = field(default_factory=list)
    linkedin: str | None = None


def _body(msg: MimeMessage) -> tuple[str, list[str]]:
    plain: list[str] = []
    html: list[str] = []
    attachments: list[str] = []
    for n, part in enumerate(msg.walk()):
        if n >= MAX_PARTS:
            break
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        disposition = part.get_content_disposition()
        try:
            filename = part.get_filename()
        except Exception:  # broken RFC 2231 parameters
            filename = None
        if filename or disposition == "attachment":
            attachments.append(_header_text(str(filename))[:300] if filename else "(unnamed attachment)")
            continue
        if ctype not in ("text/plain", "text/html"):
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        try:
            charset = part.get_content_charset()
        except Exception:
            charset = None
        text = _decode_bytes(payload[: MAX_TEXT_CHARS * 4], charset)
        (plain if ctype == "text/plain" else html).append(text)
    text = "\n\n".join(t.strip() for t in plain) if plain else "\n\n".join(html_to_text(t) for t in html)
    text = _BODY_CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n")[:MAX_TEXT_CHARS])
    return text, attachments


def _linkedin_url(text: str) -> str | None:
    """First LinkedIn profile URL outside quoted ("> ") lines: the sender's own signature."""
    if "linkedin." not in text.lower():  # the regex has no literal prefix: costly on every body
        return None
    for line in text.splitlines():
        if line.lstrip().startswith(">"):
            continue
        m = _LINKEDIN.search(line)
        if m:
            return normalise_profile_url(m.group(0).rstrip(".!?"))
    return None


def _read_message(data: bytes, index: int, line: int | None) -> _Mail:
    msg = BytesParser(policy=PARSE_POLICY).parsebytes(data)
    headers: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        headers.setdefault(name.strip().lower(), []).append(str(value))
    if not headers:
        raise ValueError("no header lines: not an e-mail message")

    def first(name: str) -> str:
        return headers.get(name, [""])[0]

    senders = _addresses(first("from")) or _addresses(first("sender"))
    if not senders:
        raise ValueError("no From address")
    from_name, from_addr = senders[0]
    refs: list[str] = []
    for raw in headers.get("references", []):
        refs += _MSGID.findall(raw)
    text, attachments = _body(msg)
    return _Mail(
        index=index,
        line=line,
        from_name=from_name,
        from_addr=from_addr,
        to=[a for name in ("to", "cc") for raw in headers.get(name, []) for _, a in _addresses(raw) if a],
        reply_to=[a for _, a in _addresses(first("reply-to")) if a],
        delivered_to=[a for raw in headers.get("delivered-to", []) + headers.get("x-original-to", [])
                      for _, a in _addresses(raw) if a],
        labels=[x.strip().lower() for x in _header_text(first("x-gmail-labels")).split(",") if x.strip()],
        message_id=_msgid(first("message-id")),
        in_reply_to=_msgid(first("in-reply-to")),
        references=refs[-MAX_REFERENCES:],
        sent_at=_date(first("date")) if "date" in headers else None,
        subject=_header_text(first("subject"))[:1000],
        text=text,
        attachments=attachments,
        linkedin=_linkedin_url(text),
    )


# ---------------------------------------------------------------- mailbox -> threads -> approaches


def _split_mbox(data: bytes) -> list[tuple[int, int, int]]:
    """(line number, start, end) of each mbox entry's message bytes (after its separator line).

    Hand-split because mailbox.mbox needs a path and reads unbounded. A "From " line separates
    entries at the start, after a blank line, or when it has the full `From addr Day Mon d hh:mm`
    shape, so unescaped "From ..." sentences inside a body stay in the body.
    """
    starts = [0]
    for m in re.finditer(rb"\nFrom ", data):
        pos = m.start() + 1
        if data[max(0, pos - 3):pos].endswith((b"\n\n", b"\n\r\n")) or _FROM_SHAPE.match(data, pos):
            starts.append(pos)
    out, line, prev = [], 1, 0
    for i, start in enumerate(starts):
        line += data.count(b"\n", prev, start)
        prev = start
        end = starts[i + 1] if i + 1 < len(starts) else len(data)
        nl = data.find(b"\n", start, end)
        out.append((line, nl + 1 if nl >= 0 else end, end))
    return out


def _infer_owner(mails: list[_Mail]) -> str | None:
    """The mailbox owner's address when the mailbox shows it; None when unsure.

    Gmail's "Sent" label, else a Delivered-To on most messages, else the address that both sends and
    receives and takes part in the most messages (ties: the one that receives more), else (an inbox
    from several senders) the one address most of them are sent to.
    """
    labelled = Counter(m.from_addr for m in mails if "sent" in m.labels and m.from_addr)
    if labelled:
        return labelled.most_common(1)[0][0]
    half = (len(mails) + 1) // 2
    delivered = Counter(a for m in mails for a in set(m.delivered_to))
    sent = Counter(m.from_addr for m in mails if m.from_addr)
    received = Counter(a for m in mails for a in set(m.to) if a != m.from_addr)
    rules: list[tuple[dict[str, tuple[int, ...]], tuple[int, ...]]] = [
        ({a: (n,) for a, n in delivered.items()}, (half,)),
        ({a: (sent[a] + n, n) for a, n in received.items() if sent[a]}, (half, 1)),
        ({a: (n,) for a, n in received.items()} if len(sent) >= 2 else {}, (max(half, 2),)),
    ]
    for scores, need in rules:
        top = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:2]
        if top and top[0][1] >= need and (len(top) == 1 or top[0][1] > top[1][1]):
            return top[0][0]
    return None


def _thread_groups(mails: list[_Mail], owner: str | None) -> list[list[_Mail]]:
    """Threads by Message-ID / In-Reply-To / References, else (subject, counterpart); union-find."""
    parent = list(range(len(mails)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    by_id: dict[str, int] = {}
    for m in mails:
        if m.message_id:
            by_id.setdefault(m.message_id, m.index)
    missing: dict[str, int] = {}  # referenced ids absent from the mailbox: siblings still join
    by_subject: dict[tuple[str, str], int] = {}
    for m in mails:
        links = m.references + ([m.in_reply_to] if m.in_reply_to else [])
        for ref in links:
            anchor = by_id.get(ref)
            union(m.index, anchor if anchor is not None else missing.setdefault(ref, m.index))
        outbound = owner is not None and m.from_addr == owner
        counterpart = (m.to[0] if m.to else "") if outbound else m.from_addr
        key = (re.sub(r"\s+", " ", _REPLY_PREFIX.sub("", m.subject)).strip().casefold(), counterpart)
        anchor = by_subject.setdefault(key, m.index)
        if not links and (not m.message_id or _REPLY_PREFIX.match(m.subject)):
            union(m.index, anchor)
    groups: dict[int, list[_Mail]] = {}
    for m in mails:
        groups.setdefault(find(m.index), []).append(m)
    return list(groups.values())


def _root_id(ordered: list[_Mail]) -> str | None:
    for m in ordered:
        if m.message_id and not m.in_reply_to and not m.references:
            return m.message_id
    for m in ordered:
        if m.references or m.in_reply_to:
            return m.references[0] if m.references else m.in_reply_to
    return next((m.message_id for m in ordered if m.message_id), None)


def _approaches(mails: list[_Mail], origin: str) -> list[Approach]:
    owner = _infer_owner(mails)
    owner_name = next((m.from_name for m in mails if owner and m.from_addr == owner and m.from_name), "")
    out = []
    for group in _thread_groups(mails, owner):
        ordered = sorted(group, key=lambda m: (m.sent_at is None, m.sent_at or _EPOCH, m.index))
        inbound = [m for m in ordered if owner is None or m.from_addr != owner]
        if not inbound:
            continue  # only the owner's own mail: nobody approached
        first = inbound[0]
        own = [m for m in inbound if m.from_addr == first.from_addr]
        linkedin = next((m.linkedin for m in own if m.linkedin), None)
        urls = [linkedin] if linkedin else []
        for m in own:
            urls += [f"mailto:{a}" for a in m.reply_to if a != first.from_addr and f"mailto:{a}" not in urls]
        messages = [
            Message(sender_name=m.from_name or m.from_addr, text=m.text, sent_at=m.sent_at,
                    inbound=m in inbound, subject=m.subject, attachments=m.attachments,
                    sender_profile_url=m.linkedin if m in inbound else None)
            for m in ordered
        ]
        out.append(Approach(
            source="email",
            sender_name=first.from_name or first.from_addr or "(unknown sender)",
            messages=messages,
            conversation_id=_root_id(ordered),
            sender_profile_url=linkedin,
            owner=Profile(name=owner_name, email=owner, source_file=origin) if owner else None,
            profile=Profile(name=first.from_name, email=first.from_addr or None, url=linkedin, urls=urls,
                            source_file=origin),
            origin=origin,
        ))
    return out


def count_messages(data: bytes) -> int:
    """How many messages a file holds: the entries of an mbox, else one."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    return len(_split_mbox(data)) if _FROM_LINE.match(data) else 1


def load_mail(path: Path) -> IngestResult:
    """An .eml message or an mbox mailbox -> one Approach(source="email") per inbound thread."""
    res, file = IngestResult(), str(path)
    try:
        data = read_bounded(path)
    except (UnsafeInput, OSError) as e:
        res.problems.append(IngestProblem(file, None, f"refused: {e}"))
        return res
    res.files_read = 1
    return _load_mail_data(data, file, res)


def load_mail_bytes(data: bytes, origin: str) -> IngestResult:
    """As load_mail, for a message already in memory (a forwarded e-mail's original): the same bounds."""
    res = IngestResult(files_read=1)
    if len(data) > MAX_MESSAGE_BYTES:
        res.problems.append(IngestProblem(origin, None, f"refused: over the {MAX_MESSAGE_BYTES} bytes limit"))
        return res
    return _load_mail_data(data, origin, res)


def _load_mail_data(data: bytes, file: str, res: IngestResult) -> IngestResult:
    if data.startswith(_OLE2_MAGIC):
        res.problems.append(IngestProblem(
            file, None, "Outlook .msg files are not supported: save the message as .eml (or export mbox)"))
        return res
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            data = decode_text(data).text.encode("utf-8", "surrogateescape")
        except (UnsafeInput, UnicodeError) as e:
            res.problems.append(IngestProblem(file, None, f"refused: {e}"))
            return res
    if looks_binary(data[:8192]):
        res.problems.append(IngestProblem(file, None, "binary file refused: not an e-mail or mailbox"))
        return res
    data = data.removeprefix(b"\xef\xbb\xbf")
    if _FROM_LINE.match(data):
        entries = _split_mbox(data)
    elif is_eml(data[:65536]) or b"from" in (_header_names(data[:65536]) or []):
        entries = [(1, 0, len(data))]
    else:
        res.problems.append(IngestProblem(file, None, "not an e-mail message (.eml) or mbox mailbox"))
        return res
    mails: list[_Mail] = []
    for n, (line, start, end) in enumerate(entries, 1):
        if n > MAX_MAILBOX_MESSAGES:
            res.rows_skipped += len(entries) - MAX_MAILBOX_MESSAGES
            res.problems.append(IngestProblem(
                file, line, f"over {MAX_MAILBOX_MESSAGES} messages: the last {len(entries) - n + 1} skipped"))
            break
        res.rows_read += 1
        where = f"message {n}" if len(entries) > 1 else "message"
        if end - start > MAX_MESSAGE_BYTES:
            res.rows_skipped += 1
            res.problems.append(IngestProblem(
                file, line, f"{where} is {end - start} bytes, over the {MAX_MESSAGE_BYTES} limit; skipped"))
            continue
        if data.count(b"\n--", start, end) > MAX_BOUNDARY_LINES:
            res.rows_skipped += 1
            res.problems.append(IngestProblem(
                file, line, f"{where} has over {MAX_BOUNDARY_LINES} MIME boundary lines (a parser bomb?); skipped"))
            continue
        try:
            mails.append(_read_message(data[start:end], len(mails), line))
        except Exception as e:  # any parser failure on hostile input is reported, never raised
            res.rows_skipped += 1
            res.problems.append(IngestProblem(file, line, f"{where} malformed, skipped: {str(e)[:200]}"))
    res.approaches = _approaches(mails, file)
    return res


# ---------------------------------------------------------------- CSV of e-mails (phishing corpora)


def is_mail_csv_header(fields: list[str]) -> bool:
    """The sender,receiver,date,subject,body[,urls,label] layout of e-mail corpora (Nazario...)."""
    names = {str(f).strip().lstrip("\ufeff").lower() for f in fields}
    return {"sender", "subject", "body"} <= names


def _load_mail_csv(path: Path) -> tuple[IngestResult, list[int | None]]:
    res, labels, file = IngestResult(), [], str(path)
    try:
        text = decode_bulk_text(read_bounded(path))
    except (UnsafeInput, OSError) as e:
        res.problems.append(IngestProblem(file, None, f"refused: {e}"))
        return res, labels
    res.files_read = 1
    for _line, rec in iter_csv_dicts(text, file, res, is_mail_csv_header,
                                     "not an e-mail CSV: no sender/subject/body"):
        senders = _addresses(rec["sender"])
        name, addr = senders[0] if senders else ("", "")
        receivers = [a for _, a in _addresses(rec.get("receiver", "")) if a]
        body = _BODY_CONTROLS.sub("", rec["body"][:MAX_TEXT_CHARS])
        if re.search(r"<(?:html|body|div|p|br|table|a)\b", body[:5000], re.IGNORECASE):
            body = html_to_text(body)
        linkedin = _linkedin_url(body)
        subject = _header_text(rec["subject"])[:1000]
        msg = Message(sender_name=name or addr, text=body, sent_at=_date(rec.get("date", "")),
                      subject=subject, sender_profile_url=linkedin)
        res.approaches.append(Approach(
            source="email",
            sender_name=name or addr or "(unknown sender)",
            messages=[msg],
            sender_profile_url=linkedin,
            owner=Profile(email=receivers[0], source_file=file) if receivers else None,
            profile=Profile(name=name, email=addr or None, url=linkedin, urls=[linkedin] if linkedin else [],
                            source_file=file),
            origin=file,
        ))
        flag = rec.get("label", "").strip()
        labels.append(int(flag) if flag in ("0", "1") else None)
    return res, labels


def load_mail_csv(path: Path) -> IngestResult:
    """A CSV of e-mails (sender,receiver,date,subject,body,urls,label) -> one Approach per row."""
    return _load_mail_csv(path)[0]


def load_mail_csv_with_labels(path: Path) -> tuple[IngestResult, list[int | None]]:
    """As load_mail_csv, plus each row's `label` (1 phishing / 0 / None), for training and evaluation."""
    return _load_mail_csv(path)
