"""LinkedIn data exports ("Get a copy of your data"): the zip LinkedIn sends, or its extracted folder.

Read: messages.csv, Invitations.csv, Connections.csv (after its `Notes:` preamble), Profile.csv,
Positions.csv, Education.csv and Skills.csv (the owner), and a `profiles/` folder of JSON Resume sender
profiles when one sits in the export.

Choices made here:
- The owner is inferred: the URL that appears in every conversation, sends the OUTGOING invitations and
  receives the INCOMING ones, and writes the drafts; then the Profile.csv name. Without any URL (old
  exports), owner messages are recognised by the owner's name.
- An approach is the first inbound contact from one sender plus the rest of that thread: that sender's
  messages (inbound) and the owner's (outbound), in time order. In a group thread each distinct inbound
  sender gives its own approach (other participants' messages belong to their own approaches).
- A thread the owner started is not an approach, because the owner chose that contact; except when the
  sender invited the owner before the thread began (invite, wait for the accept, let the owner say
  thanks, then pitch is a common pattern), or when the sender comes back after RECONTACT_GAP of silence
  in the thread (LinkedIn keeps one thread per pair for years): the approach then starts at that message.
- System rows (message request notices, "LinkedIn Member", sponsored conversations and InMail ads) and
  drafts (never sent, the owner's own) are not approaches; they are counted in `LinkedInExport.stats`.
- An INCOMING invitation's note is attached to the sender's approach; a note with no approach from that
  sender becomes its own "linkedin-invitation" approach whose single inbound message is the note.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path, PurePosixPath

from lurewatch.ingest import textstream
from lurewatch.ingest.csvread import iso_month, iter_rows, parse_day, parse_when
from lurewatch.ingest.jsonresume import add_profile, load_profile_bytes, load_profiles
from lurewatch.ingest.safety import SafeZip, UnsafeInput, decode_text, read_bounded
from lurewatch.ingest.textstream import TextFile
from lurewatch.model import Approach, IngestProblem, IngestResult, Message, Position, Profile
from lurewatch.urls import normalise_profile_url

RECONTACT_GAP = timedelta(days=180)
EXPORT_MARKERS = ("messages.csv", "invitations.csv")
_MIN_TIME = datetime.min.replace(tzinfo=UTC)

# our key -> accepted header names (normalised: lower case, letters and digits only)
MESSAGE_COLUMNS: dict[str, tuple[str, ...]] = {
    "conversation_id": ("conversationid", "threadid"),
    "title": ("conversationtitle", "title"),
    "from": ("from", "sender", "sendername"),
    "from_url": ("senderprofileurl", "senderurl", "fromprofileurl", "senderprofile"),
    "to": ("to", "recipients", "recipientnames"),
    "to_urls": ("recipientprofileurls", "recipientprofileurl", "recipienturls", "toprofileurls"),
    "date": ("date", "sentat", "sentdate", "datetime"),
    "subject": ("subject",),
    "content": ("content", "body", "messagebody", "message"),
    "folder": ("folder",),
    "attachments": ("attachments", "attachment"),
    "draft": ("ismessagedraft", "isdraft", "draft"),
}
MESSAGE_REQUIRED = ("conversation_id", "from", "date", "content")

INVITATION_COLUMNS: dict[str, tuple[str, ...]] = {
    "from": ("from",),
    "to": ("to",),
    "sent_at": ("sentat", "date", "sent"),
    "message": ("message", "note"),
    "direction": ("direction",),
    "inviter_url": ("inviterprofileurl", "inviterurl", "fromprofileurl"),
    "invitee_url": ("inviteeprofileurl", "inviteeurl", "toprofileurl"),
}
INVITATION_REQUIRED = ("from", "to", "sent_at")

CONNECTION_COLUMNS: dict[str, tuple[str, ...]] = {
    "first": ("firstname",),
    "last": ("lastname",),
    "url": ("url", "profileurl"),
    "email": ("emailaddress", "email"),
    "company": ("company",),
    "position": ("position",),
    "connected_on": ("connectedon",),
}
CONNECTION_REQUIRED = ("first", "last", "connected_on")

PROFILE_COLUMNS: dict[str, tuple[str, ...]] = {
    "first": ("firstname",),
    "last": ("lastname",),
    "headline": ("headline",),
    "summary": ("summary",),
    "industry": ("industry",),
    "location": ("geolocation", "location"),
}
POSITION_COLUMNS: dict[str, tuple[str, ...]] = {
    "company": ("companyname", "company"),
    "title": ("title",),
    "description": ("description",),
    "start": ("startedon", "startdate"),
    "end": ("finishedon", "enddate"),
}
EDUCATION_COLUMNS: dict[str, tuple[str, ...]] = {
    "school": ("schoolname",),
    "start": ("startdate",),
    "end": ("enddate",),
    "degree": ("degreename",),
    "notes": ("notes",),
}
SKILL_COLUMNS: dict[str, tuple[str, ...]] = {"name": ("name",)}

SYSTEM_SENDERS = frozenset({"linkedin member", "linkedin", "linkedin premium", "linkedin corporation"})
SYSTEM_TITLES = frozenset({"sponsored conversation"})
SYSTEM_TEXTS = frozenset({
    "message request accepted", "you accepted the message request", "message request declined",
    "this message has been deleted.", "this message has been deleted", "you have been added to the group",
})
# file extensions that make a bare file name in CONTENT an attachment (LinkedIn writes the name alone)
ATTACHMENT_EXTS = frozenset({
    "iso", "img", "vhd", "vhdx", "lnk", "exe", "scr", "msi", "bat", "cmd", "ps1", "vbs", "js", "jse", "hta",
    "jar", "apk", "dmg", "pkg", "zip", "rar", "7z", "gz", "tgz", "cab", "pdf", "doc", "docx", "docm", "dot",
    "dotm", "xls", "xlsx", "xlsm", "ppt", "pptx", "pptm", "rtf", "one", "chm", "odt", "pages", "wsf",
})
_URL_SPLIT = re.compile(r"\s*[;\n]\s*|\s*,\s*(?=https?://|www\.|[a-z]{2,3}\.linkedin\.com)", re.IGNORECASE)
_ATTACH_SPLIT = re.compile(r"\s*[;\n]\s*|\s*,\s*(?=https?://)")
_YES = frozenset({"yes", "true", "1", "y"})

_norm_url = functools.lru_cache(maxsize=65536)(normalise_profile_url)


@dataclass(slots=True)
class Connection:
    """A 1st-degree connection from Connections.csv."""

    name: str
    url: str | None
    email: str = ""
    company: str = ""
    position: str = ""
    connected_on: date | None = None


@dataclass(slots=True)
class RawMessage:
    line: int
    conversation_id: str
    title: str
    sender: str
    sender_url: str | None
    recipients: str
    recipient_urls: tuple[str, ...]
    sent_at: datetime | None
    subject: str
    text: str
    folder: str
    attachments: list[str]
    draft: bool
    system: bool
    key: str = ""  # the sender's key once the owner is known ("" for the owner)


@dataclass(slots=True)
class Invitation:
    line: int
    sender: str
    recipient: str
    sent_at: datetime | None
    note: str
    direction: str  # "INCOMING", "OUTGOING" or "" when the export does not say
    inviter_url: str | None
    invitee_url: str | None


@dataclass(slots=True)
class LinkedInExport:
    """One export: the owner, the approaches found, the owner's connections and what reading it cost."""

    origin: str
    owner: Profile | None
    owner_profile_url: str | None
    approaches: list[Approach]
    connections: list[Connection]
    result: IngestResult  # result.approaches is `approaches`
    profiles: dict[str, Profile] = field(default_factory=dict)  # from the export's own profiles/ folder
    stats: Counter[str] = field(default_factory=Counter)
    _by_url: dict[str, Connection] | None = field(default=None, repr=False)
    # a streamed messages.csv (linkedin_stream): its approaches, to iterate once, not in `approaches`
    stream: Iterator[Approach] | None = field(default=None, repr=False)

    def connection(self, url: str | None) -> Connection | None:
        """The 1st-degree connection with this profile URL (any form), if the sender is one."""
        key = normalise_profile_url(url)
        if not key:
            return None
        if self._by_url is None:
            self._by_url = {c.url: c for c in reversed(self.connections) if c.url}
        return self._by_url.get(key)


# --- file sources: an extracted folder or a prefix inside a zip ------------------------------------------

class ExportFiles:
    """The files of one export, looked up by case-insensitive base name."""

    label: str

    def find(self, name: str) -> str | None:
        raise NotImplementedError

    def read(self, key: str) -> bytes:
        raise NotImplementedError

    def where(self, key: str) -> str:
        raise NotImplementedError

    def size(self, key: str) -> int:
        """Bytes of the file (for a zip member: its declared uncompressed size)."""
        raise NotImplementedError

    def open_text(self, key: str, limit: int) -> TextFile:
        """The file to decode line by line as it is read (textstream), within `limit` bytes."""
        raise NotImplementedError

    def profiles(self, problems: list[IngestProblem]) -> dict[str, Profile]:
        raise NotImplementedError


class FolderExport(ExportFiles):
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.label = str(folder)
        self._files: dict[str, Path] = {}
        self._profiles_dir: Path | None = None
        for p in sorted(folder.iterdir()):
            low = p.name.lower()
            if p.is_file():
                self._files.setdefault(low, p)
            elif low == "profiles" and p.is_dir():
                self._profiles_dir = p

    def find(self, name: str) -> str | None:
        return name if name in self._files else None

    def read(self, key: str) -> bytes:
        return read_bounded(self._files[key])

    def size(self, key: str) -> int:
        return self._files[key].stat().st_size

    def open_text(self, key: str, limit: int) -> TextFile:
        return textstream.open_text(self._files[key], limit)

    def where(self, key: str) -> str:
        return str(self._files[key])

    def profiles(self, problems: list[IngestProblem]) -> dict[str, Profile]:
        if self._profiles_dir is None:
            return {}
        found, probs = load_profiles(self._profiles_dir)
        problems += probs
        return found


class ZipExport(ExportFiles):
    def __init__(self, zf: SafeZip, zip_path: str, prefix: str) -> None:
        self.zf = zf
        self.prefix = prefix
        self.label = f"{zip_path}!{prefix}" if prefix else zip_path
        self._zip_path = zip_path
        self._files: dict[str, str] = {}
        self._profiles: list[str] = []
        for name in zf.names():
            if not name.startswith(prefix):
                continue
            rest = name[len(prefix):]
            parts = rest.split("/")
            if len(parts) == 1:
                self._files.setdefault(rest.lower(), name)
            elif len(parts) == 2 and parts[0].lower() == "profiles" and parts[1].lower().endswith(".json"):
                self._profiles.append(name)

    def find(self, name: str) -> str | None:
        return name if name in self._files else None

    def read(self, key: str) -> bytes:
        return self.zf.read(self._files[key])

    def where(self, key: str) -> str:
        return f"{self._zip_path}!{self._files[key]}"

    def size(self, key: str) -> int:
        return self.zf.members[self._files[key]].file_size

    def open_text(self, key: str, limit: int) -> TextFile:
        # the member is inflated twice (the encoding, then the lines), each time within the zip's bounds
        return textstream.open_stream(self.zf.opener(self._files[key]), self.where(key), limit)

    def profiles(self, problems: list[IngestProblem]) -> dict[str, Profile]:
        out: dict[str, Profile] = {}
        for name in sorted(self._profiles):
            source = f"{self._zip_path}!{name}"
            try:
                data = self.zf.read(name)
            except UnsafeInput as e:
                problems.append(IngestProblem(source, None, str(e)))
                continue
            prof = load_profile_bytes(data, source, problems, local=False)
            if prof is not None:
                add_profile(out, prof, problems)
        return out


def zip_export_prefixes(names: list[str]) -> list[str]:
    """Folders inside a zip ('' for the root) that hold messages.csv or Invitations.csv."""
    prefixes = []
    for name in names:
        p = PurePosixPath(name)
        if p.name.lower() in EXPORT_MARKERS:
            parent = str(p.parent)
            prefix = "" if parent == "." else parent + "/"
            if prefix not in prefixes:
                prefixes.append(prefix)
    return sorted(prefixes)


def is_export_folder(folder: Path) -> bool:
    try:
        return any(p.name.lower() in EXPORT_MARKERS and p.is_file() for p in folder.iterdir())
    except OSError:
        return False


# --- entry points ----------------------------------------------------------------------------------------

def load_folder(folder: Path, progress: Callable[[int], None] | None = None, stream: bool = False
                ) -> LinkedInExport:
    """An extracted export folder (holding messages.csv and/or Invitations.csv). With `stream`, a large
    messages.csv is read in bounded memory and its approaches are left to iterate in `export.stream`."""
    return parse_export(FolderExport(folder), progress, stream)


def load_zip(path: Path, progress: Callable[[int], None] | None = None, stream: bool = False
             ) -> tuple[list[LinkedInExport], IngestResult]:
    """Every export inside a LinkedIn zip; unsafe or unreadable zips give a problem, not an exception. With
    `stream`, a large messages.csv is inflated and parsed in bounded memory (as load_folder does); its
    approaches are left in `export.stream`, read from temporary files after the zip is closed."""
    bad = IngestResult()
    try:
        zf = SafeZip(path)
    except UnsafeInput as e:
        bad.problems.append(IngestProblem(str(path), None, f"zip refused: {e}"))
        return [], bad
    try:
        prefixes = zip_export_prefixes(zf.names())
        if not prefixes:
            bad.problems.append(IngestProblem(str(path), None,
                                              "zip holds no messages.csv or Invitations.csv"))
            bad.files_read += 1
            return [], bad
        return [parse_export(ZipExport(zf, str(path), p), progress, stream) for p in prefixes], bad
    finally:
        zf.close()


def parse_export(files: ExportFiles, progress: Callable[[int], None] | None = None, stream: bool = False
                 ) -> LinkedInExport:
    result = IngestResult()
    reported = 0
    outer = progress

    def counting(n: int) -> None:
        nonlocal reported
        reported += n
        if outer is not None:
            outer(n)

    progress = counting if outer is not None else None
    texts: dict[str, tuple[str, str]] = {}
    streamed = None  # (TextFile, where, size, index in result.problems of its repair notice)
    for name in ("messages.csv", "invitations.csv", "connections.csv", "profile.csv", "positions.csv",
                 "education.csv", "skills.csv"):
        key = files.find(name)
        if key is None:
            continue
        where = files.where(key)
        if name == "messages.csv" and stream:
            from lurewatch.ingest import linkedin_stream

            try:
                size = files.size(key)
                if linkedin_stream.wanted(size):
                    streamed = (files.open_text(key, linkedin_stream.MAX_STREAM_FILE_BYTES), where, size,
                                len(result.problems))
                    result.files_read += 1
                    continue
            except UnsafeInput as e:
                result.problems.append(IngestProblem(where, None, f"file refused: {e}"))
                continue
            except OSError as e:
                result.problems.append(IngestProblem(where, None, f"file not read: {e}"))
                continue
        try:
            decoded = decode_text(files.read(key))
        except UnsafeInput as e:
            result.problems.append(IngestProblem(where, None, f"file refused: {e}"))
            continue
        except OSError as e:
            result.problems.append(IngestProblem(where, None, f"file not read: {e}"))
            continue
        result.files_read += 1
        if decoded.repaired and decoded.encoding != "utf-8-sig":
            result.problems.append(IngestProblem(where, None, f"encoding repaired (read as {decoded.encoding}, "
                                                 "mojibake fixed where found); check names and quotes"))
        texts[name] = (decoded.text, where)
    messages = parse_messages(*texts["messages.csv"], result, progress) if "messages.csv" in texts else []
    origin = texts["messages.csv"][1] if "messages.csv" in texts else files.label
    spilled = None
    if streamed is not None:
        from lurewatch.ingest import linkedin_stream

        text_file, origin, size, notice_at = streamed
        try:
            spilled = linkedin_stream.spill(text_file, size, origin, result, progress)
        except UnsafeInput as e:  # only a zip member that inflates further on its second reading
            result.problems.append(IngestProblem(origin, None, f"file refused: {e}"))
        # the repair notice goes where decode_text's would have
        if spilled is not None and text_file.repaired and text_file.encoding != "utf-8-sig":
            result.problems.insert(notice_at, IngestProblem(
                origin, None, f"encoding repaired (read as {text_file.encoding}, mojibake fixed where found); "
                "check names and quotes"))
    texts.pop("messages.csv", None)  # the decoded file (the size of the file again) is not needed any more
    invitations = (parse_invitations(*texts["invitations.csv"], result, progress)
                   if "invitations.csv" in texts else [])
    connections = (parse_connections(*texts["connections.csv"], result, progress)
                   if "connections.csv" in texts else [])
    owner = parse_profile_csv(*texts["profile.csv"], result) if "profile.csv" in texts else None
    if owner is not None:
        if "positions.csv" in texts:
            owner.positions = parse_positions(*texts["positions.csv"], result)
        if "education.csv" in texts:
            owner.education = parse_education(*texts["education.csv"], result)
        if "skills.csv" in texts:
            owner.skills = parse_skills(*texts["skills.csv"], result)
    if outer is not None and result.rows_read + result.rows_skipped > reported:
        outer(result.rows_read + result.rows_skipped - reported)  # the small files, read without progress
    if spilled is not None:
        owner_known = spilled.owner(invitations, owner)
        threader = Threader(owner_known, owner, invitations, spilled.url_of_name, origin)
        export = LinkedInExport(origin, threader.owner, owner_known[0], [], connections, result)
        export.stream = spilled.approaches(threader, export.stats)
    else:
        export = build_export(messages, invitations, connections, owner, origin, result)
    export.origin = files.label
    export.profiles = files.profiles(result.problems)
    return export


# --- parsers of the single files (each takes decoded text; problems go into `result`) ---------------------

def _split_urls(field_text: str) -> tuple[str, ...]:
    if not field_text:
        return ()
    if ";" not in field_text and "," not in field_text and "\n" not in field_text:
        u = _norm_url(field_text)
        return (u,) if u else ()
    out = []
    for part in _URL_SPLIT.split(field_text):
        u = _norm_url(part) if part.strip() else None
        if u and u not in out:
            out.append(u)
    return tuple(out)


def _content_attachment(text: str) -> str | None:
    """CONTENT that is only a file name (`Job_Description.iso`) is how LinkedIn shows an attachment."""
    s = text.strip()
    if not s or len(s) > 255 or "\n" in s or "://" in s or "." not in s:
        return None
    stem, _, ext = s.rpartition(".")
    if ext.lower() not in ATTACHMENT_EXTS or not stem or stem.endswith(" "):
        return None
    return s if s.count(" ") <= 4 else None


def parse_messages(text: str, file: str, result: IngestResult,
                   progress: Callable[[int], None] | None = None) -> list[RawMessage]:
    table, rows = iter_rows(text, file, MESSAGE_COLUMNS, MESSAGE_REQUIRED, result, progress)
    if table is None:
        return []
    return raw_messages(rows, table.index, file, result)


def raw_messages(rows: Iterable[tuple[int, list[str]]], ix: dict[str, int], file: str,
                 result: IngestResult) -> list[RawMessage]:
    """Rows (line, fields at the positions `ix` gives for each MESSAGE_COLUMNS key) -> RawMessages."""
    return list(iter_raw_messages(rows, ix, file, result))


def iter_raw_messages(rows: Iterable[tuple[int, list[str]]], ix: dict[str, int], file: str,
                      result: IngestResult) -> Iterator[RawMessage]:
    """As raw_messages, one by one."""
    i_conv, i_title, i_from, i_from_url = ix["conversation_id"], ix["title"], ix["from"], ix["from_url"]
    i_to, i_to_urls, i_date, i_subject = ix["to"], ix["to_urls"], ix["date"], ix["subject"]
    i_content, i_folder, i_att, i_draft = ix["content"], ix["folder"], ix["attachments"], ix["draft"]
    problems = result.problems
    system_folder: dict[str, bool] = {}
    system_title: dict[str, bool] = {}
    fromiso = datetime.fromisoformat
    for line, row in rows:
        conv = row[i_conv].strip()
        if not conv:
            problems.append(IngestProblem(file, line, "message without a CONVERSATION ID, skipped"))
            result.rows_read -= 1
            result.rows_skipped += 1
            continue
        sender = row[i_from].strip()
        content = row[i_content]
        raw_date = row[i_date]
        sent_at = None
        if len(raw_date) == 23 and raw_date[19:] == " UTC":  # the usual `2023-06-11 15:33:58 UTC`
            try:  # noqa: SIM105 (contextlib.suppress costs more in this loop)
                sent_at = fromiso(raw_date[:19]).replace(tzinfo=UTC)
            except ValueError:
                pass
        if sent_at is None:
            sent_at = parse_when(raw_date)
            if sent_at is None and raw_date.strip():
                problems.append(IngestProblem(file, line,
                                              f"unreadable DATE {raw_date[:40]!r}; kept without a time"))
        title = row[i_title]
        folder = row[i_folder]
        att_field = row[i_att]
        attachments = [a for a in _ATTACH_SPLIT.split(att_field) if a] if att_field.strip() else []
        if len(content) <= 255:
            named = _content_attachment(content)
            if named and named not in attachments:
                attachments.append(named)
        sys_folder = system_folder.get(folder)
        if sys_folder is None:
            low = folder.casefold()
            sys_folder = system_folder[folder] = "sponsored" in low or "inmail_ad" in low
        sys_title = system_title.get(title) if title else False
        if sys_title is None:
            sys_title = system_title[title] = title.strip().casefold() in SYSTEM_TITLES
        system = (
            sys_folder or sys_title
            or sender.casefold() in SYSTEM_SENDERS
            or (len(content) < 60 and (content.strip().casefold() in SYSTEM_TEXTS
                                      or (not content.strip() and not attachments)))
        )
        from_url = row[i_from_url]
        draft = row[i_draft]
        yield RawMessage(
            line, conv, title, sender, _norm_url(from_url) if from_url else None,
            row[i_to], _split_urls(row[i_to_urls]), sent_at, row[i_subject], content, folder, attachments,
            bool(draft) and draft.strip().casefold() in _YES, system,
        )


def parse_invitations(text: str, file: str, result: IngestResult,
                      progress: Callable[[int], None] | None = None) -> list[Invitation]:
    table, rows = iter_rows(text, file, INVITATION_COLUMNS, INVITATION_REQUIRED, result, progress)
    if table is None:
        return []
    ix = table.index
    out = []
    for line, row in rows:
        raw_date = row[ix["sent_at"]]
        sent_at = parse_when(raw_date)
        if sent_at is None and raw_date.strip():
            result.problems.append(IngestProblem(file, line, f"unreadable Sent At {raw_date[:40]!r}; "
                                                             "kept without a time"))
        direction = row[ix["direction"]].strip().upper()
        if direction not in ("INCOMING", "OUTGOING"):
            direction = ""
        out.append(Invitation(
            line, row[ix["from"]].strip(), row[ix["to"]].strip(), sent_at, row[ix["message"]].strip(),
            direction, _norm_url(row[ix["inviter_url"]]), _norm_url(row[ix["invitee_url"]]),
        ))
    return out


def parse_connections(text: str, file: str, result: IngestResult,
                      progress: Callable[[int], None] | None = None) -> list[Connection]:
    table, rows = iter_rows(text, file, CONNECTION_COLUMNS, CONNECTION_REQUIRED, result, progress)
    if table is None:
        return []
    ix = table.index
    out = []
    for _line, row in rows:
        name = f"{row[ix['first']].strip()} {row[ix['last']].strip()}".strip()
        out.append(Connection(name, _norm_url(row[ix["url"]]), row[ix["email"]].strip(),
                              row[ix["company"]].strip(), row[ix["position"]].strip(),
                              parse_day(row[ix["connected_on"]])))
    return out


def parse_profile_csv(text: str, file: str, result: IngestResult) -> Profile | None:
    """The owner's Profile.csv (one data row)."""
    table, rows = iter_rows(text, file, PROFILE_COLUMNS, ("first", "last"), result)
    if table is None:
        return None
    ix = table.index
    for _line, row in rows:
        return Profile(
            name=f"{row[ix['first']].strip()} {row[ix['last']].strip()}".strip(),
            headline=row[ix["headline"]].strip(), summary=row[ix["summary"]].strip(),
            industry=row[ix["industry"]].strip(), location=row[ix["location"]].strip(), source_file=file,
        )
    result.problems.append(IngestProblem(file, None, "Profile.csv has no data row"))
    return None


def parse_positions(text: str, file: str, result: IngestResult) -> list[Position]:
    table, rows = iter_rows(text, file, POSITION_COLUMNS, ("company", "title"), result)
    if table is None:
        return []
    ix = table.index
    return [Position(company=row[ix["company"]].strip(), title=row[ix["title"]].strip(),
                     start=iso_month(row[ix["start"]]), end=iso_month(row[ix["end"]]),
                     summary=row[ix["description"]].strip()) for _line, row in rows]


def parse_education(text: str, file: str, result: IngestResult) -> list[Position]:
    table, rows = iter_rows(text, file, EDUCATION_COLUMNS, ("school",), result)
    if table is None:
        return []
    ix = table.index
    return [Position(company=row[ix["school"]].strip(), title=row[ix["degree"]].strip(),
                     start=iso_month(row[ix["start"]]), end=iso_month(row[ix["end"]]),
                     summary=row[ix["notes"]].strip()) for _line, row in rows]


def parse_skills(text: str, file: str, result: IngestResult) -> list[str]:
    table, rows = iter_rows(text, file, SKILL_COLUMNS, ("name",), result)
    if table is None:
        return []
    return [row[table.index["name"]].strip() for _line, row in rows if row[table.index["name"]].strip()]


# --- owner and approaches ----------------------------------------------------------------------------------

@dataclass(slots=True)
class OwnerStats:
    """What owner inference gathers over a whole export: message by message (`add`), then conversation by
    conversation (`add_conversation`, after every message), so that it can be gathered in passes."""

    score: Counter[str] = field(default_factory=Counter)
    names_by_url: dict[str, Counter[str]] = field(default_factory=dict)  # the sender names seen with a URL
    to_names: dict[str, Counter[str]] = field(default_factory=dict)  # names of the recipient when alone
    name_votes: Counter[str] = field(default_factory=Counter)  # conversations each name is in (no URLs)
    any_url: bool = False
    keep_names: bool = True  # False: names_by_url and to_names are left to `decide`'s callbacks

    def add(self, m: RawMessage) -> None:
        score = self.score
        keep = self.keep_names
        if m.sender_url:
            self.any_url = True
            if keep:
                names = self.names_by_url.get(m.sender_url)
                if names is None:
                    names = self.names_by_url[m.sender_url] = Counter()
                names[m.sender] += 1
            if m.draft:
                score[m.sender_url] += 50
        if m.recipient_urls:
            self.any_url = True
            for r in m.recipient_urls:
                score[r] += 1  # tie-break: the owner receives the messages of an inbound-only export
            if keep and len(m.recipient_urls) == 1:
                to = self.to_names.get(m.recipient_urls[0])
                if to is None:
                    to = self.to_names[m.recipient_urls[0]] = Counter()
                to[m.recipients.strip()] += 1

    def add_conversation(self, msgs: Iterable[RawMessage]) -> None:
        """One conversation's messages (drafts and system rows included)."""
        if self.any_url:
            urls: set[str] = set()
            for m in msgs:
                if m.sender_url:
                    urls.add(m.sender_url)
                urls.update(m.recipient_urls)
            for u in urls:
                self.score[u] += 10
        else:  # old exports without URLs: the owner is the name in the most conversations
            names: set[str] = set()
            for m in msgs:
                names.update({m.sender, *_names(m.recipients)})
            self.name_votes.update(n for n in names if n)

    def urls_named(self, cf: str) -> set[str]:
        """The sender URLs seen with the name `cf` (casefolded)."""
        return {url for url, names in self.names_by_url.items() if any(n.casefold() == cf for n in names)}

    def names_of(self, url: str) -> tuple[Counter[str] | None, Counter[str] | None]:
        """The names sent under `url`, and those of the messages sent to `url` alone (in file order)."""
        return self.names_by_url.get(url), self.to_names.get(url)

    def decide(self, invitations: list[Invitation], owner: Profile | None,
               urls_named: Callable[[str], set[str]] | None = None,
               names_of: Callable[[str], tuple[Counter[str] | None, Counter[str] | None]] | None = None,
               ) -> tuple[str | None, str]:
        """(owner URL, owner name) from the statistics, the invitations and Profile.csv; `urls_named` and
        `names_of` replace the methods of these names when the names were not kept."""
        score = self.score
        for inv in invitations:
            if inv.direction == "OUTGOING" and inv.inviter_url:
                score[inv.inviter_url] += 100
            elif inv.direction == "INCOMING" and inv.invitee_url:
                score[inv.invitee_url] += 100
        owner_name = owner.name if owner and owner.name else ""
        if owner_name:
            for url in (urls_named or self.urls_named)(owner_name.casefold()):
                score[url] += 25
        if not score:
            if not owner_name:
                votes = self.name_votes
                for inv in invitations:
                    if inv.direction == "INCOMING":
                        votes[inv.recipient] += 10
                    elif inv.direction == "OUTGOING":
                        votes[inv.sender] += 10
                owner_name = votes.most_common(1)[0][0] if votes else ""
            return None, owner_name
        url = max(score, key=lambda u: (score[u], u))
        if not owner_name:
            names, to_names = (names_of or self.names_of)(url)
            if names:
                owner_name = names.most_common(1)[0][0]
            elif to_names:
                owner_name = to_names.most_common(1)[0][0]
            else:
                inv_names = Counter(i.recipient if i.direction == "INCOMING" else i.sender for i in invitations
                                    if i.direction and url in (i.invitee_url, i.inviter_url))
                owner_name = inv_names.most_common(1)[0][0] if inv_names else ""
        return url, owner_name


def infer_owner(messages: list[RawMessage], invitations: list[Invitation], owner: Profile | None
                ) -> tuple[str | None, str]:
    """(owner URL, owner name) from who is in every conversation, invitations, drafts and Profile.csv."""
    stats = OwnerStats()
    conversations: dict[str, list[RawMessage]] = {}
    for m in messages:
        stats.add(m)
        conversations.setdefault(m.conversation_id, []).append(m)
    for msgs in conversations.values():
        stats.add_conversation(msgs)
    return stats.decide(invitations, owner)


def _names(field_text: str) -> list[str]:
    return [x.strip() for x in re.split(r"[;,]", field_text) if x.strip()] if field_text else []


def add_name_url(url_of_name: dict[str, str], m: RawMessage) -> None:
    """A sender's key is the URL, or the name when a row lacks it: the first URL seen with that name."""
    if m.sender_url:
        url_of_name.setdefault(m.sender.casefold(), m.sender_url)


class Threader:
    """Threads conversations into approaches, given what is known of the whole export: the owner, the
    name-to-URL map and the incoming invitations. `conversation` may be called conversation by
    conversation (in any grouping of the rows), `invitation_approaches` once at the end."""

    def __init__(self, owner_known: tuple[str | None, str], owner: Profile | None, invitations: list[Invitation],
                 url_of_name: dict[str, str], origin: str) -> None:
        owner_url, owner_name = owner_known
        if owner is None and (owner_url or owner_name):
            owner = Profile(name=owner_name)
        if owner is not None:
            owner.url = owner_url
            owner.urls = [owner_url] if owner_url else []
        self.owner, self.owner_url, self.owner_cf = owner, owner_url, owner_name.casefold()
        self.url_of_name, self.origin = url_of_name, origin
        self.with_approach: set[str] = set()
        self.incoming: dict[str, Invitation] = {}
        for inv in invitations:
            direction = inv.direction
            if not direction:
                to_owner = (owner_url and inv.invitee_url == owner_url) or (
                    self.owner_cf and inv.recipient.casefold() == self.owner_cf)
                direction = "INCOMING" if to_owner else "OUTGOING"
            if direction == "INCOMING" and inv.sender:
                self.incoming.setdefault(self.key_of(inv.sender, inv.inviter_url), inv)

    def key_of(self, name: str, url: str | None) -> str:
        return url or self.url_of_name.get(name.casefold()) or "name:" + name.casefold()

    def group(self, messages: Iterable[RawMessage], stats: Counter[str]) -> dict[str, list[RawMessage]]:
        """The live messages (neither drafts nor system rows) by conversation, keyed by sender."""
        owner_url, owner_cf = self.owner_url, self.owner_cf
        conversations: dict[str, list[RawMessage]] = {}
        for m in messages:
            if m.sender_url and owner_url:
                mine = m.sender_url == owner_url
            else:
                mine = bool(owner_cf) and m.sender.casefold() == owner_cf
            m.key = "" if mine else self.key_of(m.sender, m.sender_url)  # "" marks the owner
            if m.draft:
                stats["drafts"] += 1
            elif m.system:
                stats["system_rows"] += 1
            else:
                conversations.setdefault(m.conversation_id, []).append(m)
        return conversations

    def conversation(self, conv_id: str, thread: list[RawMessage], stats: Counter[str]) -> list[Approach]:
        """The approaches of one conversation's live messages (in file order)."""
        thread.sort(key=lambda m: (m.sent_at is None, m.sent_at or _MIN_TIME, m.line))
        stats["conversations"] += 1
        owner_first = not thread[0].key
        senders: dict[str, list[int]] = {}
        for i, m in enumerate(thread):
            if m.key:
                senders.setdefault(m.key, []).append(i)
        if not senders:
            stats["owner_only_conversations"] += 1
            return []
        out = []
        for key, idxs in senders.items():
            start = 0
            if owner_first:
                inv = self.incoming.get(key)
                invited_first = inv is not None and inv.sent_at is not None and \
                    thread[0].sent_at is not None and inv.sent_at <= thread[0].sent_at
                if not invited_first:
                    start = _recontact(thread, idxs)
                    if start < 0:
                        stats["owner_started"] += 1
                        continue
            part = thread[start:] if len(senders) == 1 else [m for m in thread[start:] if m.key in ("", key)]
            first = thread[idxs[0]] if start == 0 else thread[start]
            ap = Approach(
                source="linkedin-message",
                sender_name=first.sender,
                messages=[Message(m.sender, m.text, m.sent_at, bool(m.key), m.subject,
                                  list(m.attachments) if m.attachments else [], m.sender_url) for m in part],
                conversation_id=conv_id,
                sender_profile_url=first.sender_url or self.url_of_name.get(first.sender.casefold()),
                owner_profile_url=self.owner_url,
                owner=self.owner,
                origin=self.origin,
            )
            inv = self.incoming.get(key)
            if inv is not None and inv.note:
                ap.invitation_note = inv.note
            out.append(ap)
            self.with_approach.add(key)
        return out

    def invitation_approaches(self) -> list[Approach]:
        """An incoming invitation's note from a sender without an approach is an approach of its own."""
        return [Approach(
            source="linkedin-invitation",
            sender_name=inv.sender,
            messages=[Message(inv.sender, inv.note, inv.sent_at, True, sender_profile_url=inv.inviter_url)],
            sender_profile_url=inv.inviter_url,
            owner_profile_url=self.owner_url,
            owner=self.owner,
            invitation_note=inv.note,
            origin=self.origin,
        ) for key, inv in self.incoming.items() if inv.note and key not in self.with_approach]


def build_export(messages: list[RawMessage], invitations: list[Invitation], connections: list[Connection],
                 owner: Profile | None, origin: str, result: IngestResult,
                 owner_known: tuple[str | None, str] | None = None) -> LinkedInExport:
    """Thread the messages into approaches; `owner_known` (URL, name) skips inferring the owner."""
    if owner_known is None:
        owner_known = infer_owner(messages, invitations, owner)
    url_of_name: dict[str, str] = {}
    for m in messages:
        add_name_url(url_of_name, m)
    threader = Threader(owner_known, owner, invitations, url_of_name, origin)
    stats: Counter[str] = Counter()
    approaches: list[Approach] = []
    for conv_id, thread in threader.group(messages, stats).items():
        approaches += threader.conversation(conv_id, thread, stats)
    approaches += threader.invitation_approaches()
    result.approaches += approaches
    return LinkedInExport(origin, threader.owner, owner_known[0], approaches, connections, result, stats=stats)


def _recontact(thread: list[RawMessage], idxs: list[int]) -> int:
    """Index of the sender's first message after RECONTACT_GAP of silence in the thread, or -1."""
    for i in idxs:
        if i == 0:
            continue
        cur, prev = thread[i].sent_at, thread[i - 1].sent_at
        if cur is not None and prev is not None and cur - prev >= RECONTACT_GAP:
            return i
    return -1

